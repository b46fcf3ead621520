// Theorem 2.2: a soft-margin linear SVM of unit weight norm, trained on samples of D(p, eta, d)
// by (projected sub-)gradient descent on
//   standard:    mean_i max(0, 1 - y_i w.x_i)
//   adversarial: mean_i max(0, 1 - y_i w.x_i + eps ||w||_1)   (the hinge of the worst l_inf point)
import type { Sample } from './distribution';
import type { Weights } from './linear';
import { checkEps } from './params';
import { checkPositiveInt } from '../checks';

export interface SvmOptions {
  /** eps of the adversarial hinge; 0 gives the standard SVM. */
  epsTrain: number;
  /** Gradient steps over the whole sample (default 400). */
  steps?: number;
  /** Initial step size, decayed as 1/sqrt(t) (default 0.5). */
  lr?: number;
}

export interface SvmResult {
  w: Weights;
  /** The training objective after each step. */
  losses: number[];
}

function projectUnitBall(w: Float64Array): void {
  let sq = 0;
  for (const v of w) sq += v * v;
  const norm = Math.sqrt(sq);
  if (norm > 1) for (let j = 0; j < w.length; j++) w[j] /= norm;
}

export function trainSvm(data: Sample, opts: SvmOptions): SvmResult {
  const eps = checkEps(opts.epsTrain, 'epsTrain');
  const steps = opts.steps ?? 400;
  const lr0 = opts.lr ?? 0.5;
  checkPositiveInt('steps', steps);
  if (!(lr0 > 0)) throw new Error(`lr must be > 0, got ${lr0}`);
  const { x, y, n, dim } = data;
  const w = new Float64Array(dim);
  const grad = new Float64Array(dim);
  // Averaging the second half of the iterates smooths the zig-zag of the hinge's subgradient.
  const average = new Float64Array(dim);
  let averaged = 0;
  const losses: number[] = [];
  // The subgradient is minus the sum of y_i x_i over the samples whose hinge is active. Once eps ||w||_1
  // makes most of them active (a robust SVM), it is cheaper as minus (the sum over all, once) plus the
  // sum over the inactive ones; and once the l_1 step has zeroed most weights, scores need only the rest.
  const sumAll = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let j = 0; j < dim; j++) sumAll[j] += y[i] * x[row + j];
  }
  const isActive = new Uint8Array(n);
  const support = new Int32Array(dim);
  for (let t = 1; t <= steps; t++) {
    let norm1 = 0;
    let nonzero = 0;
    for (let j = 0; j < dim; j++) {
      norm1 += Math.abs(w[j]);
      if (w[j] !== 0) support[nonzero++] = j;
    }
    const sparse = nonzero < dim / 2;
    let loss = 0;
    let active = 0;
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      let score = 0;
      if (sparse) for (let k = 0; k < nonzero; k++) score += w[support[k]] * x[row + support[k]];
      else for (let j = 0; j < dim; j++) score += w[j] * x[row + j];
      const hinge = 1 - y[i] * score + eps * norm1;
      isActive[i] = hinge > 0 ? 1 : 0;
      if (hinge > 0) {
        loss += hinge;
        active++;
      }
    }
    if (active <= n / 2) {
      grad.fill(0);
      for (let i = 0; i < n; i++) {
        if (!isActive[i]) continue;
        const row = i * dim;
        for (let j = 0; j < dim; j++) grad[j] -= y[i] * x[row + j];
      }
    } else {
      for (let j = 0; j < dim; j++) grad[j] = -sumAll[j];
      for (let i = 0; i < n; i++) {
        if (isActive[i]) continue;
        const row = i * dim;
        for (let j = 0; j < dim; j++) grad[j] += y[i] * x[row + j];
      }
    }
    losses.push(loss / n);
    const lr = lr0 / Math.sqrt(t);
    // The hinge by a subgradient step; eps ||w||_1, counted once per active sample, by its proximal
    // operator (soft thresholding), so that weights the objective wants at zero become exactly zero
    // instead of zig-zagging around it.
    const threshold = (lr * eps * active) / n;
    for (let j = 0; j < dim; j++) {
      const v = w[j] - (lr * grad[j]) / n;
      w[j] = Math.sign(v) * Math.max(0, Math.abs(v) - threshold);
    }
    projectUnitBall(w);
    if (t > steps / 2) {
      for (let j = 0; j < dim; j++) average[j] += w[j];
      averaged++;
    }
  }
  for (let j = 0; j < dim; j++) average[j] /= averaged;
  return { w: average, losses };
}

/** The share of the l_1 weight on the robust feature x1: 1 means sign(x1), 0 means only weak features. */
export function robustWeightShare(w: Weights): number {
  let total = 0;
  for (const v of w) total += Math.abs(v);
  return total === 0 ? 0 : Math.abs(w[0]) / total;
}
