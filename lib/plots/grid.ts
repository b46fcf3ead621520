// Image grids drawn with node-canvas to PNG: digits, photos, gradients, each with a caption.
import * as tf from '@tensorflow/tfjs';
import { createCanvas } from 'canvas';

/** A batch of images, row-major [N, H, W, C] with C = 1 (gray) or 3 (RGB), values in [0, 1]. */
export interface Images {
  shape: [number, number, number, number];
  data: ArrayLike<number>;
}

export interface GridOptions {
  /** Images per row (default: all in one row, at most 10). */
  cols?: number;
  /** Pixels per image pixel (default: 3 for images under 64 px, else 1). */
  scale?: number;
  /** One caption under each image; '\n' starts a new line. */
  labels?: string[];
  /** A heading above the grid. */
  title?: string;
  /** PNG (default: exact pixels) or JPEG (photographs: a tenth of the size in a handout). */
  format?: 'png' | 'jpeg';
  /** White space around each image, in pixels (default 4). */
  pad?: number;
  /** What each row shows ('standard model'), for the text alternative. */
  rowNames?: string[];
}

/** A picture with its text alternative: what a screen reader says and the handout's <img alt> holds. */
export type Picture = Buffer & { alt: string };

/**
 * A grid in words (WCAG 1.1.1): its title, its layout, and every caption (the predictions) row by row;
 * a row whose captions are all the same is said once.
 */
export function describeGrid(n: number, cols: number, opts: Pick<GridOptions, 'title' | 'labels' | 'rowNames'>): string {
  const rows = Math.ceil(n / cols);
  const head = `${opts.title ? `${opts.title}. ` : ''}${n} image${n === 1 ? '' : 's'}${rows > 1 ? ` in ${rows} rows of ${cols}` : ' in a row'}`;
  if (!opts.labels) return `${head}.`;
  const spoken = (l: string) => l.replace(/\n/g, ' ').replace(/→\s*/g, 'towards ').replace(/∇/g, 'gradient of');
  const lines = Array.from({ length: rows }, (_, r) => {
    const captions = opts.labels!.slice(r * cols, (r + 1) * cols).map(spoken);
    const name = opts.rowNames?.[r] ? ` (${opts.rowNames[r]})` : '';
    return `row ${r + 1}${name}: ${captions.every((c) => c === captions[0]) && captions.length > 1 ? `${captions[0]}, each` : captions.join(', ')}`;
  });
  return `${head}; under each image, row by row: ${lines.join('; ')}.`;
}

const FONT_PX = 12;

export function imageGrid(images: Images, opts: GridOptions = {}): Picture {
  const [n, h, w, c] = images.shape;
  if (images.shape.length !== 4 || ![1, 3].includes(c)) {
    throw new Error(`imageGrid takes images [N, H, W, C] with C = 1 or 3, got [${images.shape.join(', ')}]`);
  }
  if (images.data.length !== n * h * w * c) {
    throw new Error(`imageGrid: shape [${images.shape.join(', ')}] needs ${n * h * w * c} values, got ${images.data.length}`);
  }
  if (opts.labels && opts.labels.length !== n) throw new Error(`imageGrid: ${opts.labels.length} labels for ${n} images`);
  const PAD = opts.pad ?? 4;
  const cols = Math.max(1, Math.min(n, opts.cols ?? Math.min(n, 10)));
  const rows = Math.ceil(n / cols);
  const scale = opts.scale ?? (Math.max(h, w) < 64 ? 3 : 1);
  const lines = Math.max(0, ...(opts.labels ?? []).map((l) => l.split('\n').length));
  const labelH = lines * (FONT_PX + 3) + (lines ? 4 : 0);
  const titleH = opts.title ? FONT_PX + 10 : 0;
  const cellW = w * scale + PAD;
  const cellH = h * scale + PAD + labelH;
  const canvas = createCanvas(cols * cellW + PAD, titleH + rows * cellH + PAD);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = 'black';
  ctx.font = `${FONT_PX}px sans-serif`;
  ctx.textAlign = 'center';
  if (opts.title) ctx.fillText(opts.title, canvas.width / 2, FONT_PX + 2);

  const tile = ctx.createImageData(w, h);
  const scratch = createCanvas(w, h);
  ctx.imageSmoothingEnabled = false;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < h * w; i++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = images.data[(k * h * w + i) * c + (c === 1 ? 0 : ch)];
        tile.data[i * 4 + ch] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
      tile.data[i * 4 + 3] = 255;
    }
    scratch.getContext('2d').putImageData(tile, 0, 0);
    const x = PAD + (k % cols) * cellW;
    const y = titleH + PAD + Math.floor(k / cols) * cellH;
    ctx.drawImage(scratch, x, y, w * scale, h * scale);
    opts.labels?.[k].split('\n').forEach((line, i) => ctx.fillText(line, x + (w * scale) / 2, y + h * scale + (i + 1) * (FONT_PX + 3)));
  }
  const bytes = opts.format === 'jpeg' ? canvas.toBuffer('image/jpeg', { quality: 0.85 }) : canvas.toBuffer('image/png');
  return Object.assign(bytes, { alt: describeGrid(n, cols, opts) });
}

/** A batch tensor as Images for imageGrid, optionally resized (handouts keep thumbnails small). */
export async function tensorImages(t: tf.Tensor4D, size?: number): Promise<Images> {
  const resized = tf.tidy(() => (size ? tf.image.resizeBilinear(t, [size, size], true) : tf.clone(t)));
  const data = await resized.data();
  const shape = resized.shape as [number, number, number, number];
  resized.dispose();
  return { shape, data };
}
