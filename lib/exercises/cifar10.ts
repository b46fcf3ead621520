// 03-cifar10's exercises: references from the library's gradients (lib/figures) and threat models.
import * as tf from '@tensorflow/tfjs';
import { l2, linf } from '../attacks/threat';
import { visibleGradients } from '../figures/gradients';
import { seededRng } from '../random';
import { asBatch, attackGradient, fromBatch, linearCase } from './fixtures';
export { expectArrayClose, expectClose, expectEqual } from './check';

/** Figure 2's picture of one gradient, by the library: centre, divide by 3 standard deviations, clip, map to [0, 1]. */
export function visibleGradientReference(g: ArrayLike<number>): number[] {
  return tf.tidy(() => fromBatch(visibleGradients(asBatch(g))));
}

/** A gradient-like array from `seed`: heavy-tailed, so that clipping at 3 standard deviations matters. */
export function gradientSample(seed: number, n = 48): number[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () => rng.normal() ** 3);
}

export interface FgsmCase {
  x: number[];
  /** The random start, each value in [-eps, eps]. */
  start: number[];
  /** The attack's gradient at any image (a fixed linear model's). */
  gradAt: (v: number[]) => number[];
  eps: number;
  stepSize: number;
  /** The library's answer: start (clipped to the pixel range), one l_inf step, back into the ball and the range. */
  want: number[];
}

export function fgsmCase(seed: number, eps = 8 / 255, stepSize = 1.25 * 8 / 255): FgsmCase {
  const c = linearCase(seed + 100);
  const rng = seededRng(seed + 200);
  const start = c.x.map(() => (2 * rng.uniform() - 1) * eps);
  const gradAt = (v: number[]) => attackGradient(c, v);
  const threat = linf(eps);
  const want = tf.tidy(() => {
    const x = asBatch(c.x);
    const x0 = tf.clipByValue(tf.add(x, asBatch(start)), 0, 1) as tf.Tensor4D;
    return fromBatch(threat.project(threat.step(x0, asBatch(gradAt(fromBatch(x0))), stepSize), x));
  });
  return { x: c.x, start, gradAt, eps, stepSize, want };
}

/** One l2 step of the library: the gradient scaled to length stepSize. */
export function l2StepReference(x: ArrayLike<number>, grad: ArrayLike<number>, stepSize: number): number[] {
  return tf.tidy(() => fromBatch(l2(1).step(asBatch(x), asBatch(grad), stepSize)));
}

export interface ModelRow { model: string; eps: number; robust: number }

/** The model with the highest robust accuracy at eps (the first of equals). */
export function deployReference(rows: ModelRow[], eps: number): string {
  const at = rows.filter((r) => Math.abs(r.eps - eps) < 1e-9);
  if (at.length === 0) throw new Error(`no row at eps ${eps}`);
  return at.reduce((best, r) => (r.robust > best.robust ? r : best)).model;
}

/** A robust-accuracy table like the chapter's (models by eps_train, robust accuracy by eps), from `seed`. */
export function tradeoffRows(seed: number): ModelRow[] {
  const rng = seededRng(seed);
  const models = ['standard', 'linf-2/255', 'linf-4/255', 'linf-8/255'];
  const rows: ModelRow[] = [];
  for (const [m, model] of models.entries()) {
    for (const e of [0, 2, 4, 8]) {
      const base = 0.93 - 0.06 * m;
      const drop = Math.max(0, e - 2 * m) * (0.12 - 0.02 * m) + 0.01 * e;
      rows.push({ model, eps: e / 255, robust: Math.max(0, Math.round((base - drop + 0.02 * rng.uniform()) * 1000) / 1000) });
    }
  }
  return rows;
}
