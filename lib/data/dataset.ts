// A labelled image data set in memory, and the batches that training and evaluation take from it.
import * as tf from '@tensorflow/tfjs';
import { checkPositiveInt } from '../checks';
import { Augmentation, placeImage, placements } from './augment';

/** Images as bytes, row-major [n, height, width, channels], and one class id per image. */
export interface ImageDataset {
  name: string;
  images: Uint8Array;
  labels: Uint8Array | Uint16Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
  /** A name for each class id, where the data set has them. */
  classNames?: string[];
}

/** Images start..end (exclusive) of a data set, sharing its memory. */
export function subset(ds: ImageDataset, start: number, end: number): ImageDataset {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= ds.n)) {
    throw new Error(`subset ${start}..${end} is not inside the ${ds.n} images of ${ds.name}`);
  }
  const size = ds.height * ds.width * ds.channels;
  return { ...ds, images: ds.images.subarray(start * size, end * size), labels: ds.labels.subarray(start, end), n: end - start };
}

/**
 * A batch as tensors: x [B, H, W, C] in [0, 1] and y [B] int32 class ids. With `augment`, each image
 * is randomly cropped and flipped, the same way for the same `seed`.
 */
export function batchTensors(ds: ImageDataset, indices: ArrayLike<number>, augment?: { augmentation: Augmentation; seed: number }): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const size = ds.height * ds.width * ds.channels;
  const b = indices.length;
  const pixels = new Float32Array(b * size);
  const labels = new Int32Array(b);
  const where = augment && placements(b, augment.augmentation, augment.seed);
  for (let i = 0; i < b; i++) {
    const k = indices[i];
    if (!(k >= 0 && k < ds.n)) throw new Error(`index ${k} is outside the ${ds.n} images of ${ds.name}`);
    const src = ds.images.subarray(k * size, (k + 1) * size);
    if (where) placeImage(src, pixels.subarray(i * size, (i + 1) * size), ds.height, ds.width, ds.channels, augment.augmentation.pad, where[i]);
    else for (let j = 0; j < size; j++) pixels[i * size + j] = src[j] / 255;
    labels[i] = ds.labels[k];
  }
  return { x: tf.tensor4d(pixels, [b, ds.height, ds.width, ds.channels]), y: tf.tensor1d(labels, 'int32') };
}

/** Consecutive batches of indices start..end, the last one possibly shorter. */
export function* rangeBatches(n: number, batchSize: number): Generator<Int32Array> {
  checkPositiveInt('batch size', batchSize);
  for (let s = 0; s < n; s += batchSize) yield Int32Array.from({ length: Math.min(batchSize, n - s) }, (_, i) => s + i);
}
