// 95% intervals for an accuracy measured on n images: the Wilson score interval of k successes in n
// trials. Every accuracy a chapter shows was counted on a finite subset (200 test images in CIFAR-10's
// quick profile), so a table or curve carries this interval, and no one reads a 0.2-point gap as a finding.

/** The standard normal's 97.5% quantile: a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  /** The estimate k / n. */
  p: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * The Wilson score interval for k successes in n trials at normal quantile z (default: 95%). Unlike
 * p ± z sqrt(p(1 - p) / n), it stays inside [0, 1] and is not empty at k = 0 or k = n, where an
 * attacked model's accuracy often sits.
 */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a whole number >= 1, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`k must be a whole number in [0, ${n}], got ${k}`);
  return score(k / n, n, z);
}

/**
 * The interval of an accuracy given as a fraction of n (what evaluations and CSVs hold). The score
 * interval is a function of k / n, so an accuracy rounded on its way through a file still gets the
 * interval of its n; only n must be a count.
 */
export function accuracyInterval(accuracy: number, n: number, z = Z95): Interval {
  if (!(accuracy >= 0 && accuracy <= 1)) throw new Error(`accuracy must be in [0, 1], got ${accuracy}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a whole number >= 1, got ${n}`);
  return score(accuracy, n, z);
}

function score(p: number, n: number, z: number): Interval {
  if (!(z > 0)) throw new Error(`z must be > 0, got ${z}`);
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt(p * (1 - p) / n + (z * z) / (4 * n * n));
  // At p = 0 or p = 1 one end is exactly 0 or 1; rounding must not push it past.
  return { p, lo: p === 0 ? 0 : Math.max(0, centre - half), hi: p === 1 ? 1 : Math.min(1, centre + half), n };
}

/** '90.0% [84.5, 93.8]': the estimate and its interval, in percent. */
export function formatInterval(i: Interval, digits = 1): string {
  const f = (v: number) => (100 * v).toFixed(digits);
  return `${f(i.p)}% [${f(i.lo)}, ${f(i.hi)}]`;
}

/** Whether two measured accuracies' intervals overlap: if so, the text must not call one higher. */
export function overlap(a: Interval, b: Interval): boolean {
  return a.lo <= b.hi && b.lo <= a.hi;
}
