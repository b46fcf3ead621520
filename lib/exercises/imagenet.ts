// 04-imagenet's exercises: references from the library's interpolation (lib/attacks) and Restricted
// ImageNet's superclasses (lib/data/imagenet).
import * as tf from '@tensorflow/tfjs';
import { interpolate } from '../attacks/large-eps';
import { RESTRICTED_IMAGENET, superclassOf } from '../data/imagenet';
import { seededRng } from '../random';
import { asBatch, fromBatch } from './fixtures';
export { expectArrayClose, expectClose, expectEqual } from './check';

/** Frame k of `frames` on the line from x to xAdv, by the library's interpolate(). */
export function interpolationReference(x: ArrayLike<number>, xAdv: ArrayLike<number>, k: number, frames: number): number[] {
  return tf.tidy(() => fromBatch(interpolate(asBatch(x), asBatch(xAdv), frames).slice([k], [1])));
}

export function randomImage(seed: number, n = 30): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => rng.uniform());
}

/** The superclass (0..8) of an ImageNet class, -1 for none: the library's. */
export function superclassReference(imagenetIndex: number): number {
  return superclassOf(imagenetIndex);
}

/** Each superclass's probability: the sum of its classes' probabilities [9]. */
export function superclassProbabilitiesReference(probs: ArrayLike<number>): number[] {
  if (probs.length !== 1000) throw new Error(`expected 1000 ImageNet probabilities, got ${probs.length}`);
  return RESTRICTED_IMAGENET.map((s) => {
    let sum = 0;
    for (let c = s.first; c <= s.last; c++) sum += probs[c];
    return sum;
  });
}

/** A softmax over the 1000 classes from `seed`, peaked on a few classes. */
export function imagenetProbabilities(seed: number): number[] {
  const rng = seededRng(seed);
  const z = Array.from({ length: 1000 }, () => 3 * rng.normal());
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
