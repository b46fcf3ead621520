// Fixed inputs for the image chapters' exercises: a small linear classifier and images drawn from a
// seed, so that a test compares a student's step with the library's on the same numbers every run.
import * as tf from '@tensorflow/tfjs';
import { attackCrossEntropy } from '../attacks/pgd';
import { Classifier, logits } from '../models/classifier';
import { seededRng } from '../random';

/** A single image as a batch of one, [1, n, 1, 1]: the attacks' per-image norms then run over its n values. */
export function asBatch(v: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(Array.from(v), [1, v.length, 1, 1]);
}

export function fromBatch(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

export interface LinearCase {
  /** One image of n pixels in [0, 1], a sixth of them at 0 or 1 so that clipping to the pixel range matters. */
  x: number[];
  label: number;
  /** A linear classifier; call it inside tf.tidy (it makes its weight tensor in each call). */
  model: Classifier;
}

/** A 4-class linear model on n pixels, and an image with its label, all from `seed`. */
export function linearCase(seed: number, n = 24, classes = 4): LinearCase {
  const rng = seededRng(seed);
  const x = Array.from({ length: n }, (_, i) => (i % 6 === 0 ? (rng.uniform() < 0.5 ? 0 : 1) : rng.uniform()));
  // The weights stay a plain array and become a tensor in each call, inside the caller's tf.tidy: a case
  // a student's function keeps calling (gradAt) holds no tensor that a chapter's memory report would find.
  const weights = Float32Array.from({ length: n * classes }, () => rng.normal());
  const model: Classifier = (xs: tf.Tensor4D) => tf.matMul(tf.reshape(xs, [xs.shape[0], n]), tf.tensor2d(weights, [n, classes])) as tf.Tensor2D;
  return { x, label: Math.floor(rng.uniform() * classes), model };
}

/** The gradient PGD follows (of the attack's cross-entropy) at image v, as a plain array. */
export function attackGradient(c: LinearCase, v: ArrayLike<number>): number[] {
  return tf.tidy(() => {
    const y = tf.tensor1d([c.label], 'int32');
    const g = tf.grad((xa: tf.Tensor) => tf.sum(attackCrossEntropy(logits(c.model, xa as tf.Tensor4D), y)))(asBatch(v));
    return fromBatch(g);
  });
}
