// Theorem 2.1: on D(p, eta, d), any classifier with standard accuracy >= 1 - delta has robust
// accuracy <= p/(1-p) * delta against an l_inf adversary with eps >= 2 eta.
import { linearAccuracy, weightedClassifier } from './linear';
import { checkEps, checkParams, TheoryParams } from './params';

/** The largest robust accuracy Theorem 2.1 allows a classifier of this standard accuracy. */
export function theorem21Bound(p: number, standardAccuracy: number): number {
  if (!(standardAccuracy >= 0 && standardAccuracy <= 1)) throw new Error(`standard accuracy must be in [0, 1], got ${standardAccuracy}`);
  if (p === 1) return 1;
  return Math.min(1, (p / (1 - p)) * (1 - standardAccuracy));
}

/** Whether the theorem speaks about this eps at all. */
export function boundApplies(params: TheoryParams, eps: number): boolean {
  return checkEps(eps) >= 2 * checkParams(params).eta;
}

export interface TradeoffPoint {
  /** Angle of the weighted classifier: 0 is sign(x1), pi/2 the averaging classifier. */
  theta: number;
  standard: number;
  robust: number;
}

/** Standard and robust accuracy of the weighted classifiers as the weight moves from x1 to the weak features. */
export function tradeoffCurve(params: TheoryParams, eps: number, points = 101): TradeoffPoint[] {
  checkParams(params);
  checkEps(eps);
  return Array.from({ length: points }, (_, i) => {
    const theta = (i / (points - 1)) * (Math.PI / 2);
    const w = weightedClassifier(params.d, theta);
    return { theta, standard: linearAccuracy(w, params, 0), robust: linearAccuracy(w, params, eps) };
  });
}
