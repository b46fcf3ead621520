// Photographs to tensors as ImageNet models take them: resize the shorter side to 256, crop the
// centre 224 x 224 (the standard evaluation transform), any input size, JPEG or PNG.
import * as fs from 'fs';
import { createCanvas, loadImage } from 'canvas';
import type { ImageDataset } from './dataset';
import { LabelledFile } from './imagenet';

/** RGB bytes [size, size, 3] of the centre crop of an image resized so that its shorter side is `resize`. */
export async function centerCrop(file: string, resize = 256, size = 224): Promise<Uint8Array> {
  if (!(size <= resize)) throw new Error(`the crop (${size}) must fit in the resized image (${resize})`);
  if (!fs.existsSync(file)) throw new Error(`no image at ${file}`);
  let img;
  try {
    img = await loadImage(fs.readFileSync(file));
  } catch (e) {
    throw new Error(`${file}: not a JPEG or PNG image that can be decoded (${(e as Error).message})`);
  }
  const scale = resize / Math.min(img.width, img.height);
  // The crop, in the original image's pixels: drawn scaled in one step, with smoothing.
  const side = size / scale;
  const canvas = createCanvas(size, size);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  (ctx as unknown as { quality: string }).quality = 'best'; // node-canvas's name for smoothing quality
  ctx.drawImage(img, (img.width - side) / 2, (img.height - side) / 2, side, side, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c];
  return rgb;
}

/** Labelled files as a data set of 224 x 224 crops; labels are the ImageNet class indices. */
export async function imageDataset(files: LabelledFile[], name: string, size = 224): Promise<ImageDataset> {
  const images = new Uint8Array(files.length * size * size * 3);
  for (let i = 0; i < files.length; i++) images.set(await centerCrop(files[i].file, Math.round((size * 256) / 224), size), i * size * size * 3);
  return { name, images, labels: Uint16Array.from(files, (f) => f.imagenetIndex), n: files.length, height: size, width: size, channels: 3, classes: 1000 };
}
