// The computations behind the theory chapter's tables and figures, as rows ready for CSV.
import type { Sample } from './distribution';
import { empiricalAccuracy, linearAccuracy, Weights } from './linear';
import { checkParams, TheoryParams } from './params';
import { robustWeightShare, trainSvm } from './svm';
import { boundApplies, theorem21Bound, tradeoffCurve } from './tradeoff';

export interface AccuracyRow {
  [key: string]: string | number;
  classifier: string;
  eps: number;
  closedForm: number;
  monteCarlo: number;
  se: number;
  /** Samples the Monte Carlo estimate counted. */
  n: number;
}

/** Each classifier's accuracy at each eps, in closed form and measured on `data`. */
export function accuracyTable(params: TheoryParams, classifiers: Record<string, Weights>, data: Sample, epsList: number[]): AccuracyRow[] {
  checkParams(params);
  return Object.entries(classifiers).flatMap(([classifier, w]) =>
    epsList.map((eps) => {
      const mc = empiricalAccuracy(w, data, eps);
      return { classifier, eps, closedForm: linearAccuracy(w, params, eps), monteCarlo: mc.accuracy, se: mc.se, n: mc.n };
    }));
}

export interface SvmRow {
  [key: string]: number;
  epsTrain: number;
  /** |w1| / ||w||_1. */
  robustShare: number;
  /** w1 and the mean weight on a weak feature, with ||w||_2 <= 1. */
  w1: number;
  meanWeak: number;
  standard: number;
  robust: number;
  epsTest: number;
}

/** Trains one SVM per eps_train (0 is the standard SVM) and evaluates each exactly at eps_test. */
export function svmSweep(params: TheoryParams, train: Sample, epsTrains: number[], epsTest: number, steps?: number): SvmRow[] {
  checkParams(params);
  return epsTrains.map((epsTrain) => {
    const { w } = trainSvm(train, { epsTrain, steps });
    let weak = 0;
    for (let j = 1; j < w.length; j++) weak += w[j];
    return {
      epsTrain,
      robustShare: robustWeightShare(w),
      w1: w[0],
      meanWeak: weak / (w.length - 1),
      standard: linearAccuracy(w, params, 0),
      robust: linearAccuracy(w, params, epsTest),
      epsTest,
    };
  });
}

export interface TradeoffRow {
  [key: string]: number | null;
  eps: number;
  theta: number;
  standard: number;
  robust: number;
  /** Theorem 2.1's ceiling on `robust`; null where eps < 2 eta and the theorem is silent. */
  bound: number | null;
}

/** The weighted classifiers' trade-off at each eps, beside Theorem 2.1's bound where it applies. */
export function tradeoffTable(params: TheoryParams, epsList: number[], points = 41): TradeoffRow[] {
  return epsList.flatMap((eps) => tradeoffCurve(params, eps, points).map((pt) => ({
    eps, theta: pt.theta, standard: pt.standard, robust: pt.robust,
    bound: boundApplies(params, eps) ? theorem21Bound(params.p, pt.standard) : null,
  })));
}
