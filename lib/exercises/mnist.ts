// 02-mnist's exercises: references from the library's own threat models and PGD (lib/attacks).
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../attacks/pgd';
import { l2 } from '../attacks/threat';
import { asBatch, attackGradient, fromBatch, linearCase } from './fixtures';
export { expectArrayClose, expectClose, expectEqual } from './check';

/** A perturbation projected onto the l2 ball of radius eps by the library's l2 threat model (no pixel range). */
export function projectL2Reference(delta: ArrayLike<number>, eps: number): number[] {
  return tf.tidy(() => {
    const zero = tf.zerosLike(asBatch(delta)) as tf.Tensor4D;
    return fromBatch(l2(eps, [-1e9, 1e9]).project(asBatch(delta), zero));
  });
}

export interface StepCase {
  /** The clean image: the attack starts here (no random start). */
  x: number[];
  /** The gradient of the attack's loss at x. */
  grad: number[];
  eps: number;
  stepSize: number;
  /** The library's PGD after one l_inf step from x. */
  want: number[];
}

/** One l_inf PGD step of the library on a fixed linear model: the step is larger than eps, so both clips matter. */
export function pgdStepCase(seed: number, eps = 0.3, stepSize = 0.5): StepCase {
  const c = linearCase(seed);
  const want = tf.tidy(() => fromBatch(pgd(c.model, asBatch(c.x), tf.tensor1d([c.label], 'int32'),
    { threat: 'linf', eps, steps: 1, stepSize, randomStart: false })));
  const grad = attackGradient(c, c.x);
  return { x: c.x, grad, eps, stepSize, want };
}

export interface AccuracyPoint { eps: number; accuracy: number }

/** The smallest eps whose accuracy is below `level`, or -1 if none is: rows in any order. */
export function firstEpsBelowReference(rows: AccuracyPoint[], level: number): number {
  let first = -1;
  for (const r of rows) if (r.accuracy < level && (first < 0 || r.eps < first)) first = r.eps;
  return first;
}

/** A standard model's accuracy curve as the CSV holds it (eps, accuracy), from `seed`, falling through 10% once. */
export function accuracyRows(seed: number): AccuracyPoint[] {
  const rows: AccuracyPoint[] = [];
  let acc = 0.99;
  for (let i = 0; i <= 10; i++) {
    rows.push({ eps: Math.round(i * 0.05 * 100) / 100, accuracy: Math.round(acc * 1000) / 1000 });
    acc *= 0.35 + 0.1 * ((seed * 7 + i * 3) % 5) / 4;
  }
  // Shuffled, as a reader of a CSV must not assume its order.
  return rows.sort((a, b) => ((a.eps * 1000 + seed * 31) % 7) - ((b.eps * 1000 + seed * 31) % 7));
}
