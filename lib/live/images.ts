// Tensors to pictures in the page: one PNG data: URI per image.

/** Images [N, H, W, C] in [0, 1] (C = 1 or 3) -> N data: URIs, one pixel per value. */
export function dataUrls(values: Float32Array | Uint8Array, shape: number[]): string[] {
  const [n, h, w, c] = shape;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const bytes = values instanceof Uint8Array;
  const urls: string[] = [];
  for (let i = 0; i < n; i++) {
    const img = ctx.createImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) {
        const v = values[(i * h * w + p) * c + (c === 1 ? 0 : k)];
        img.data[4 * p + k] = bytes ? v : Math.round(255 * Math.min(1, Math.max(0, v)));
      }
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    urls.push(canvas.toDataURL('image/png'));
  }
  return urls;
}
