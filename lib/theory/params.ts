// The parameters of the distribution D(p, eta, d), checked once where they enter.
import { checkNonNegative, checkPositiveInt } from '../checks';

export interface TheoryParams {
  /** P(x1 = y): how often the one robust feature agrees with the label, in [0.5, 1]. */
  p: number;
  /** Number of weak features x2..x_{d+1}, an integer >= 1. */
  d: number;
  /** Mean of each weak feature times y, > 0 (the paper's examples use eta = Theta(1/sqrt(d))). */
  eta: number;
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function checkParams(params: TheoryParams): TheoryParams {
  const { p, d, eta } = params;
  if (!isNumber(p) || p < 0.5 || p > 1) throw new Error(`p must be a number in [0.5, 1], got ${p}`);
  checkPositiveInt('d', d);
  if (!isNumber(eta) || eta <= 0) throw new Error(`eta must be a number > 0, got ${eta}`);
  return params;
}

export function checkEps(eps: number, name = 'eps'): number {
  return checkNonNegative(name, eps);
}
