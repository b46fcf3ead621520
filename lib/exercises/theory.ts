// 01-theory's exercises: the references their tests compare with, computed by the library's own
// closed forms (lib/theory), never by the formulas the exercises ask for.
import { averagingClassifier, linearAccuracy, robustClassifier } from '../theory/linear';
import { checkParams, TheoryParams } from '../theory/params';
import { theorem21Bound } from '../theory/tradeoff';
export { expectArrayClose, expectClose, expectEqual } from './check';

/** The averaging classifier's accuracy against an l_inf adversary of budget eps (eps = 0: standard). */
export function averagingAccuracy(params: TheoryParams, eps: number): number {
  return linearAccuracy(averagingClassifier(params.d), params, eps);
}

/**
 * The eps at which the averaging classifier's robust accuracy falls to the robust feature's, found by
 * bisection on the library's accuracies (both decrease or stay put as eps grows, and they cross once below eta).
 */
export function crossoverEps(params: TheoryParams): number {
  const { d } = checkParams(params);
  const gap = (eps: number) => linearAccuracy(averagingClassifier(d), params, eps) - linearAccuracy(robustClassifier(d), params, eps);
  let lo = 0;
  let hi = params.eta;
  if (gap(lo) <= 0) return 0;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (gap(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Theorem 2.1's ceiling on robust accuracy (eps >= 2 eta) for a classifier of this standard accuracy. */
export function robustCeiling(p: number, standardAccuracy: number): number {
  return theorem21Bound(p, standardAccuracy);
}
