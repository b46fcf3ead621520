// Comparing arrays of numbers as the equivalence tests do.
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../../lib/attacks/pgd';
import { Classifier, logits } from '../../lib/models/classifier';

/** max |a - b| over max |b|: the error relative to the reference's scale. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`comparing ${a.length} values with ${b.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/** Logits and input gradients of a model against PyTorch's (a fixture's x [2, 32, 32, 3], y, logits, grad): the max relative errors. */
export function againstPyTorch(model: Classifier, want: { x: number[]; y: number[]; logits: number[]; grad: number[] }): { logits: number; grad: number } {
  const x = tf.tensor4d(want.x, [2, 32, 32, 3]);
  const y = tf.tensor1d(want.y, 'int32');
  const z = logits(model, x);
  const g = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(logits(model, xi as tf.Tensor4D), y)))(x);
  const errors = { logits: maxRelativeError(z.dataSync(), want.logits), grad: maxRelativeError(g.dataSync(), want.grad) };
  tf.dispose([x, y, z, g]);
  return errors;
}
