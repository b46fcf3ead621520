// Linear classifiers f(x) = sign(w . x) on D(p, eta, d), their accuracy in closed form, and the
// same accuracy measured on samples against the worst-case l_inf adversary.
import type { Sample } from './distribution';
import { normalCdf } from './normal';
import { checkEps, checkParams, TheoryParams } from './params';

/** Weights [d+1]: w[0] on the robust feature x1, w[1..d] on the weak features. */
export type Weights = Float64Array;

/** sign(mean of x2..x_{d+1}): the classifier that standard training finds. */
export function averagingClassifier(d: number): Weights {
  return weightedClassifier(d, Math.PI / 2);
}

/** sign(x1): robust, but only p accurate. */
export function robustClassifier(d: number): Weights {
  return weightedClassifier(d, 0);
}

/**
 * sign(cos(theta) x1 + sin(theta)/sqrt(d) * sum of x2..x_{d+1}): theta = 0 is the robust
 * classifier and theta = pi/2 the averaging one, with ||w||_2 = 1 all the way.
 */
export function weightedClassifier(d: number, theta: number): Weights {
  const w = new Float64Array(d + 1);
  w[0] = Math.abs(Math.cos(theta)) < 1e-15 ? 0 : Math.cos(theta);
  w.fill(Math.sin(theta) / Math.sqrt(d), 1);
  return w;
}

function l1(w: Weights): number {
  let s = 0;
  for (const v of w) s += Math.abs(v);
  return s;
}

/**
 * P[y w.(x + delta) > 0] for the worst ||delta||_inf <= eps, which is delta = -eps y sign(w):
 * the margin drops by eps ||w||_1. With x1 y = +-1 and sum_j w_j x_j y ~ N(eta S, sigma^2),
 * where S = sum_j w_j and sigma = ||w_{2..}||_2, it is
 *   p Phi((w1 + eta S - eps ||w||_1) / sigma) + (1-p) Phi((-w1 + eta S - eps ||w||_1) / sigma).
 * eps = 0 gives the standard accuracy.
 */
export function linearAccuracy(w: Weights, params: TheoryParams, eps = 0): number {
  const { p, d, eta } = checkParams(params);
  checkEps(eps);
  if (w.length !== d + 1) throw new Error(`weights have ${w.length} entries, D(p, eta, d=${d}) has ${d + 1} features`);
  let sum = 0;
  let sq = 0;
  for (let j = 1; j <= d; j++) {
    sum += w[j];
    sq += w[j] * w[j];
  }
  const sigma = Math.sqrt(sq);
  const shift = eta * sum - eps * l1(w);
  const prob = (m: number) => (sigma === 0 ? (m > 0 ? 1 : 0) : normalCdf(m / sigma));
  return p * prob(w[0] + shift) + (1 - p) * prob(-w[0] + shift);
}

export interface Estimate {
  accuracy: number;
  /** Standard error of the estimate, sqrt(a (1-a) / n). */
  se: number;
  n: number;
}

/**
 * Accuracy on samples after each x is moved by the worst-case l_inf perturbation of size eps,
 * x' = x - eps y sign(w), and classified by sign(w . x').
 */
export function empiricalAccuracy(w: Weights, data: Sample, eps = 0): Estimate {
  checkEps(eps);
  if (w.length !== data.dim) throw new Error(`weights have ${w.length} entries, the sample has ${data.dim} features`);
  let correct = 0;
  for (let i = 0; i < data.n; i++) {
    const row = i * data.dim;
    const y = data.y[i];
    let score = 0;
    for (let j = 0; j < data.dim; j++) {
      const attacked = data.x[row + j] - eps * y * Math.sign(w[j]);
      score += w[j] * attacked;
    }
    if (y * score > 0) correct++;
  }
  const accuracy = correct / data.n;
  return { accuracy, se: Math.sqrt((accuracy * (1 - accuracy)) / data.n), n: data.n };
}
