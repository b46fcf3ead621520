// The paper's Figures 3 and 4: adversarial examples far outside the usual budget, towards a chosen
// class. For a robust model they take on the features of that class; for a standard model they are noise.
import * as tf from '@tensorflow/tfjs';
import { Classifier } from '../models/classifier';
import { AttackInput } from './spec';
import { pgd } from './pgd';

/**
 * Targeted PGD from x towards `targets` [N], with no random start and a budget far beyond the usual one
 * (l2 unless `attack` says otherwise). The paper's ImageNet settings, from robust-features-code's
 * make_visualizations.py: l2 eps 40 in 40 steps of 1.5, l_inf eps 0.25 in 120 steps of 0.003.
 */
export function largeEpsExamples(model: Classifier, x: tf.Tensor4D, targets: tf.Tensor1D, attack: AttackInput): tf.Tensor4D {
  return pgd(model, x, targets, { threat: 'l2', ...attack, randomStart: false, targets });
}

/** Frames from x to xAdv: [frames, N, H, W, C], frame k = x + k/(frames-1) (xAdv - x). */
export function interpolate(x: tf.Tensor4D, xAdv: tf.Tensor4D, frames = 20): tf.Tensor5D {
  if (!(Number.isInteger(frames) && frames >= 2)) throw new Error(`frames must be an integer >= 2, got ${frames}`);
  if (x.shape.join() !== xAdv.shape.join()) throw new Error(`x [${x.shape}] and xAdv [${xAdv.shape}] differ in shape`);
  return tf.tidy(() => {
    const alpha = tf.linspace(0, 1, frames).reshape([frames, 1, 1, 1, 1]);
    return tf.add(x.expandDims(0), tf.mul(alpha, tf.sub(xAdv, x).expandDims(0))) as tf.Tensor5D;
  });
}

/** Each of the n images of x [n, H, W, C] once towards every class: x [n * classes, ...] and targets [n * classes], image-major. */
export function towardsEachClass(x: tf.Tensor4D, classes: number): { x: tf.Tensor4D; targets: tf.Tensor1D } {
  const n = x.shape[0];
  return tf.tidy(() => ({
    x: tf.gather(x, tf.tensor1d(Array.from({ length: n * classes }, (_, i) => Math.floor(i / classes)), 'int32')) as tf.Tensor4D,
    targets: tf.tensor1d(Array.from({ length: n * classes }, (_, i) => i % classes), 'int32'),
  }));
}

/** Figure 4's row: `frames` images [frames, H, W, C] from image `index` of x to the same image of xAdv. */
export function interpolationRow(x: tf.Tensor4D, xAdv: tf.Tensor4D, index: number, frames = 20): tf.Tensor4D {
  if (!(Number.isInteger(index) && index >= 0 && index < x.shape[0])) throw new Error(`image index ${index} is outside the batch of ${x.shape[0]}`);
  return tf.tidy(() => {
    const one = (t: tf.Tensor4D) => t.slice([index], [1]);
    return interpolate(one(x), one(xAdv), frames).reshape([frames, ...x.shape.slice(1)]) as tf.Tensor4D;
  });
}
