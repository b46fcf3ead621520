// A canvas to draw a digit on, turned into an MNIST-like image: white strokes on black, the drawing's
// bounding box scaled into 20x20 pixels and centred in 28x28, as MNIST's digits were made.

const SIZE = 28;
const BOX = 20;

export interface DrawPad {
  element: HTMLElement;
  /** The drawing as [28 * 28] values in [0, 1], or null while it is empty. */
  pixels(): Float32Array | null;
  clear(): void;
  /** Draws a stroke through points given in the canvas's own coordinates (0..1), as a mouse would. */
  stroke(points: [number, number][]): void;
}

export function drawPad(onChange: () => void, px = 140): DrawPad {
  const element = document.createElement('div');
  element.className = 'at-odds-draw';
  element.style.cssText = 'display:inline-block;vertical-align:top;margin-right:12px;font:12px sans-serif';
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = px;
  canvas.style.cssText = `width:${px}px;height:${px}px;background:#000;cursor:crosshair;touch-action:none;display:block;border:1px solid #888`;
  const ctx = canvas.getContext('2d')!;
  const clearButton = document.createElement('button');
  clearButton.textContent = 'clear';
  clearButton.style.cssText = 'font:12px sans-serif;margin-top:2px';
  const hint = document.createElement('div');
  hint.textContent = 'draw a digit';
  // The pad needs a mouse, a pen or a finger: the strip of test digits beside it is the keyboard's way.
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'drawing pad for a digit (mouse, pen or touch); from the keyboard, pick a test digit from the strip instead');
  element.append(hint, canvas, clearButton);

  let empty = true;
  const line = (a: [number, number], b: [number, number]) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = px / 10;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a[0] * px, a[1] * px);
    ctx.lineTo(b[0] * px, b[1] * px);
    ctx.stroke();
    empty = false;
  };
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, px, px);
    empty = true;
  };
  clear();

  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
  };
  canvas.addEventListener('pointerdown', (e) => { last = at(e); line(last, last); canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener('pointermove', (e) => { if (last) { const p = at(e); line(last, p); last = p; } });
  const end = () => { if (last) { last = null; onChange(); } };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clearButton.addEventListener('click', () => { clear(); onChange(); });

  const pixels = (): Float32Array | null => {
    if (empty) return null;
    const src = ctx.getImageData(0, 0, px, px).data;
    let [x0, y0, x1, y1] = [px, px, -1, -1];
    for (let y = 0; y < px; y++) for (let x = 0; x < px; x++) {
      if (src[4 * (y * px + x)] > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
    if (x1 < 0) return null;
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const s = BOX / Math.max(w, h);
    const small = document.createElement('canvas');
    small.width = small.height = SIZE;
    const sctx = small.getContext('2d')!;
    sctx.fillStyle = '#000';
    sctx.fillRect(0, 0, SIZE, SIZE);
    sctx.imageSmoothingQuality = 'high';
    sctx.drawImage(canvas, x0, y0, w, h, (SIZE - w * s) / 2, (SIZE - h * s) / 2, w * s, h * s);
    const d = sctx.getImageData(0, 0, SIZE, SIZE).data;
    return Float32Array.from({ length: SIZE * SIZE }, (_, i) => d[4 * i] / 255);
  };

  return {
    element, pixels, clear: () => { clear(); onChange(); },
    stroke(points) {
      for (let i = 0; i < points.length; i++) line(points[Math.max(0, i - 1)], points[i]);
      onChange();
    },
  };
}
