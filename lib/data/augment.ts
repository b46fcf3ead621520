// Data augmentation as the standard CIFAR protocol does it: a random crop of the image padded with
// `pad` zero pixels on every side, and a random horizontal flip. Done while bytes become floats, so
// it costs no extra pass; seeded, so that a resumed run sees the same batches as an uninterrupted one.
import { seededRng } from '../random';

export interface Augmentation {
  /** Zero padding on each side before the crop (4 for CIFAR); 0: no crop. */
  pad: number;
  /** Mirror half of the images left to right. */
  flip: boolean;
  /** One crop offset for the whole batch instead of one per image (the PyTorch benchmark's choice). */
  cropPerBatch?: boolean;
}

/** The standard CIFAR protocol's: a crop of the image padded by 4 pixels, and a horizontal flip. */
export const CROPS_AND_FLIPS: Augmentation = { pad: 4, flip: true };

/** Where image i of a batch was cut from: its top-left corner in the padded image, and whether it was flipped. */
export interface Placement { dy: number; dx: number; flip: boolean }

/** The random placements of a batch of `b` images, from one seed. */
export function placements(b: number, aug: Augmentation, seed: number): Placement[] {
  if (!(Number.isInteger(aug.pad) && aug.pad >= 0)) throw new Error(`augmentation pad must be an integer >= 0, got ${aug.pad}`);
  const rng = seededRng(seed);
  const offset = () => Math.floor(rng.uniform() * (2 * aug.pad + 1));
  const shared = aug.cropPerBatch ? [offset(), offset()] : null;
  return Array.from({ length: b }, () => {
    const [dy, dx] = shared ?? [offset(), offset()];
    return { dy, dx, flip: aug.flip && rng.uniform() < 0.5 };
  });
}

/**
 * Writes image `src` ([h, w, c] bytes) into `dst` ([h, w, c] floats in [0, 1]) as the crop at
 * `p` of the image padded by `pad`, mirrored if `p.flip`.
 */
export function placeImage(src: Uint8Array, dst: Float32Array, h: number, w: number, c: number, pad: number, p: Placement): void {
  for (let y = 0; y < h; y++) {
    const sy = y + p.dy - pad;
    const rowOut = y * w * c;
    if (sy < 0 || sy >= h) {
      dst.fill(0, rowOut, rowOut + w * c);
      continue;
    }
    for (let x = 0; x < w; x++) {
      const sx = (p.flip ? w - 1 - x : x) + p.dx - pad;
      const o = rowOut + x * c;
      if (sx < 0 || sx >= w) {
        for (let k = 0; k < c; k++) dst[o + k] = 0;
      } else {
        const s = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) dst[o + k] = src[s + k] / 255;
      }
    }
  }
}
