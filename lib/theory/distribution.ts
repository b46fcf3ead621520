// The distribution D(p, eta, d) of Section 2:
//   y ~ uniform{-1, +1},  x1 = +y w.p. p and -y otherwise,  x2..x_{d+1} ~ N(eta*y, 1) i.i.d.
import { checkParams, TheoryParams } from './params';
import { seededRng } from '../random';
import { checkPositiveInt } from '../checks';

export interface Sample {
  /** Row-major [n, d+1]: column 0 is the robust feature x1, columns 1..d the weak ones. */
  x: Float32Array;
  /** [n], each -1 or +1. */
  y: Int8Array;
  n: number;
  /** d + 1. */
  dim: number;
}

export function sampleD(params: TheoryParams, n: number, seed: number): Sample {
  const { p, d, eta } = checkParams(params);
  checkPositiveInt('n', n);
  const rng = seededRng(seed);
  const dim = d + 1;
  const x = new Float32Array(n * dim);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.uniform() < 0.5 ? -1 : 1;
    y[i] = label;
    const row = i * dim;
    x[row] = rng.uniform() < p ? label : -label;
    for (let j = 1; j < dim; j++) x[row + j] = eta * label + rng.normal();
  }
  return { x, y, n, dim };
}
