// Threat models: the set of perturbations an adversary may make, as three verbs (after MadryLab's
// robustness library): project back into the set, step inside it, and start somewhere random in it.
import * as tf from '@tensorflow/tfjs';
import { checkNonNegative } from '../checks';

export const NORMS = ['linf', 'l2'] as const;
export type Norm = (typeof NORMS)[number];

export function checkNorm(threat: unknown): Norm {
  if (!(NORMS as readonly unknown[]).includes(threat)) throw new Error(`unknown threat model '${threat}': use ${NORMS.join(' or ')}`);
  return threat as Norm;
}

export interface ThreatModel {
  readonly norm: Norm;
  readonly eps: number;
  /** The valid pixel range, [0, 1] unless the model says otherwise. */
  readonly bounds: [number, number];
  /** The nearest point to xAdv that is within eps of x and inside the pixel range. */
  project(xAdv: tf.Tensor4D, x: tf.Tensor4D): tf.Tensor4D;
  /** One step of size stepSize in the direction that raises the loss fastest under this norm. */
  step(xAdv: tf.Tensor4D, grad: tf.Tensor4D, stepSize: number): tf.Tensor4D;
  /** A random starting point within eps of x. */
  randomPerturb(x: tf.Tensor4D, seed?: number): tf.Tensor4D;
  /**
   * PGD's step from a fixed x (in the pixel range): next(xAdv, grad) = project(step(xAdv, grad, stepSize), x),
   * the same values, with what depends only on x and the sizes made once per attack instead of every step.
   * Dispose it when the attack ends.
   */
  stepper(x: tf.Tensor4D, stepSize: number): Stepper;
}

export interface Stepper {
  next(xAdv: tf.Tensor4D, grad: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

function checkBounds(bounds: [number, number]): void {
  if (!(bounds.length === 2 && bounds[0] < bounds[1])) throw new Error(`pixel bounds must be [min, max] with min < max, got [${bounds}]`);
}

/**
 * TensorFlow.js seeds its random ops only with a non-zero seed and draws from Math.random() for 0
 * (rand_util.js: `seed ? seed : Math.random()`), so the first batch's random start (seed 0) came out
 * different on every run. It hashes the seed's string form: '0' is truthy, and any other seed hashes as before.
 */
function tfSeed(seed: number | undefined): number | undefined {
  return seed === undefined ? undefined : (String(seed) as unknown as number);
}

/** Per-example l2 norms of a batch, shaped [N, 1, 1, 1] to broadcast back over it. */
function l2Norms(t: tf.Tensor4D): tf.Tensor4D {
  return tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)) as tf.Tensor4D;
}

/** ||delta||_inf <= eps: every pixel moves by at most eps. */
export function linf(eps: number, bounds: [number, number] = [0, 1]): ThreatModel {
  checkNonNegative('eps', eps);
  checkBounds(bounds);
  return {
    norm: 'linf', eps, bounds,
    // Clamping to [x - eps, x + eps] and then to the pixel range is clamping once to their intersection
    // [max(x - eps, lo), min(x + eps, hi)] (x lies in the range, so it is not empty): the same values from
    // two kernels a step instead of five, and no scalar uploaded per step (issue #20).
    stepper: (x, stepSize) => {
      const [low, high, size] = tf.tidy(() => [tf.maximum(tf.sub(x, eps), bounds[0]), tf.minimum(tf.add(x, eps), bounds[1]), tf.scalar(stepSize)]);
      return {
        next: (xAdv, grad) => tf.tidy(() => tf.minimum(tf.maximum(tf.add(xAdv, tf.mul(tf.sign(grad), size)), low), high) as tf.Tensor4D),
        dispose: () => tf.dispose([low, high, size]),
      };
    },
    project: (xAdv, x) => tf.tidy(() =>
      tf.clipByValue(tf.minimum(tf.maximum(xAdv, tf.sub(x, eps)), tf.add(x, eps)), bounds[0], bounds[1]) as tf.Tensor4D),
    step: (xAdv, grad, stepSize) => tf.tidy(() => tf.add(xAdv, tf.mul(tf.sign(grad), stepSize)) as tf.Tensor4D),
    randomPerturb: (x, seed) => tf.tidy(() =>
      tf.clipByValue(tf.add(x, tf.randomUniform(x.shape, -eps, eps, 'float32', tfSeed(seed))), bounds[0], bounds[1]) as tf.Tensor4D),
  };
}

/** ||delta||_2 <= eps, per example. */
export function l2(eps: number, bounds: [number, number] = [0, 1]): ThreatModel {
  checkNonNegative('eps', eps);
  checkBounds(bounds);
  const model: ThreatModel = {
    norm: 'l2', eps, bounds,
    stepper: (x, stepSize) => ({ next: (xAdv, grad) => tf.tidy(() => model.project(model.step(xAdv, grad, stepSize), x)), dispose: () => undefined }),
    project: (xAdv, x) => tf.tidy(() => {
      const delta = tf.sub(xAdv, x) as tf.Tensor4D;
      const scale = tf.minimum(1, tf.div(eps, tf.add(l2Norms(delta), 1e-12)));
      // Clipping to the pixel range moves each pixel towards x, so the result stays in the ball.
      return tf.clipByValue(tf.add(x, tf.mul(delta, scale)), bounds[0], bounds[1]) as tf.Tensor4D;
    }),
    step: (xAdv, grad, stepSize) => tf.tidy(() =>
      tf.add(xAdv, tf.mul(tf.div(grad, tf.add(l2Norms(grad), 1e-12)), stepSize)) as tf.Tensor4D),
    // As the robustness library does: a random direction, at distance eps.
    randomPerturb: (x, seed) => tf.tidy(() => {
      const r = tf.randomNormal(x.shape, 0, 1, 'float32', tfSeed(seed)) as tf.Tensor4D;
      return tf.clipByValue(tf.add(x, tf.mul(tf.div(r, tf.add(l2Norms(r), 1e-12)), eps)), bounds[0], bounds[1]) as tf.Tensor4D;
    }),
  };
  return model;
}

export function threatModel(norm: string, eps: number, bounds: [number, number] = [0, 1]): ThreatModel {
  return checkNorm(norm) === 'linf' ? linf(eps, bounds) : l2(eps, bounds);
}

/** ℓ∞ or ℓ2, for labels. */
export function normSymbol(norm: string): string {
  return norm === 'linf' ? 'ℓ∞' : 'ℓ2';
}

/**
 * An eps for people: '0.3', '0.25', or '8/255' where it is a whole number of 8-bit grey levels that
 * no short decimal writes (CIFAR-10's budgets are counted in levels of 1/255).
 */
export function formatEps(eps: number): string {
  const short = +eps.toFixed(3);
  if (Math.abs(short - eps) < 1e-9) return String(short);
  const levels = Math.round(eps * 255);
  if (levels > 0 && Math.abs(levels / 255 - eps) < 1e-9) return `${levels}/255`;
  return String(+eps.toPrecision(3));
}
