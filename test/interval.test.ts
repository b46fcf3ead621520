// 95% intervals of accuracies (lib/eval/interval.ts) against closed forms and published values.
import test from 'ava';
import { accuracyInterval, formatInterval, overlap, wilson, Z95 } from '../lib/eval/interval';
import { epsTrainFigure, trainSizeFigure } from '../lib/plots/chapter-figures';
import { robustCurveFigure } from '../lib/plots/robustness';
import { figureSvg } from '../lib/plots/svg';

const close = (t: { true: (v: boolean, m?: string) => void }, a: number, b: number, tol: number, what: string) => t.true(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('Wilson intervals: Newcombe (1998), Table I, method 3', (t) => {
  // Newcombe, "Two-sided confidence intervals for the single proportion", Stat. Med. 17:857-872, to 4 places.
  for (const [k, n, lo, hi] of [[81, 263, 0.2553, 0.3662], [15, 148, 0.0624, 0.1605], [0, 20, 0, 0.1611], [1, 29, 0.0061, 0.1718]]) {
    const w = wilson(k, n);
    close(t, w.lo, lo, 5e-5, `${k}/${n} lower`);
    close(t, w.hi, hi, 5e-5, `${k}/${n} upper`);
  }
});

test('Wilson intervals: the bounds solve (k/n - q)^2 = z^2 q (1 - q) / n, and the ends in closed form', (t) => {
  for (const [k, n] of [[3, 7], [100, 200], [508, 1017], [199, 200]]) {
    const w = wilson(k, n);
    for (const q of [w.lo, w.hi]) close(t, (k / n - q) ** 2, (Z95 ** 2 * q * (1 - q)) / n, 1e-12, `${k}/${n} at ${q}`);
    t.true(w.lo < k / n && k / n < w.hi);
  }
  // At k = 0 the upper end is z^2 / (n + z^2); at k = n the lower end is n / (n + z^2).
  close(t, wilson(0, 10).hi, Z95 ** 2 / (10 + Z95 ** 2), 1e-12, '0/10');
  t.is(wilson(0, 10).lo, 0);
  close(t, wilson(10, 10).lo, 10 / (10 + Z95 ** 2), 1e-12, '10/10');
  t.is(wilson(10, 10).hi, 1);
  // The widths the chapters quote: 200 images, +-6.9 points at 50%; 1,017, +-3.1.
  close(t, (wilson(100, 200).hi - wilson(100, 200).lo) / 2, 0.0686, 5e-4, '200 at 50%');
  close(t, (wilson(508, 1017).hi - wilson(508, 1017).lo) / 2, 0.0307, 5e-4, '1017 at 50%');
});

test('an accuracy and its n give the interval of its count; bad input is named', (t) => {
  t.deepEqual(accuracyInterval(0.9, 10), wilson(9, 10));
  t.deepEqual(accuracyInterval(0.875, 200), wilson(175, 200));
  t.is(formatInterval(wilson(9, 10)), '90.0% [59.6, 98.2]');
  t.true(overlap(wilson(90, 100), wilson(85, 100)));
  t.false(overlap(wilson(99, 100), wilson(50, 100)));
  t.throws(() => wilson(11, 10), { message: /k must be a whole number in \[0, 10\], got 11/ });
  t.throws(() => wilson(1, 0), { message: /n must be a whole number >= 1, got 0/ });
  t.throws(() => accuracyInterval(1.5, 10), { message: /accuracy must be in \[0, 1\], got 1.5/ });
  t.throws(() => accuracyInterval(0.5, 10.5), { message: /n must be a whole number >= 1, got 10.5/ });
});

test('every accuracy curve carries its 95% interval as error bars and data, and says n', (t) => {
  const rows = [{ model: 'a', threat: 'l2', eps: 0, std_acc: 0.5, robust_acc: 0.5, n: 200 }, { model: 'a', threat: 'l2', eps: 1, std_acc: 0.5, robust_acc: 0.25, n: 200 }];
  const fig = robustCurveFigure(rows);
  const trace = fig.data[0] as { error_y: { array: number[]; arrayminus: number[] }; customdata: number[][] };
  const w = wilson(50, 200);
  close(t, trace.error_y.array[1], w.hi - 0.25, 1e-12, 'upper bar');
  close(t, trace.error_y.arrayminus[1], 0.25 - w.lo, 1e-12, 'lower bar');
  t.deepEqual(trace.customdata[1], [w.lo, w.hi, 200]);
  t.regex(String((fig.layout!.title as { text: string }).text), /n = 200 test images; bars: 95% intervals/);
  const sizes = trainSizeFigure([{ n: 250, threat: 'l2', eps_train: 0, epochs: 120, std_acc: 0.9, test_n: 10_000, train_seconds: 1 }]);
  t.deepEqual((sizes.data[0] as { customdata: number[][] }).customdata[0], [accuracyInterval(0.9, 10_000).lo, accuracyInterval(0.9, 10_000).hi, 10_000]);
  const fig7 = epsTrainFigure([{ threat: 'l2', eps_train: 0, std_acc: 0.99, model: 's' }, { threat: 'l2', eps_train: 1, std_acc: 0.98, model: 'r' }], 1000);
  t.deepEqual((fig7.data[0] as { customdata: number[][] }).customdata[1].slice(2), [1000]);
});

test('the static SVG of a figure draws asymmetric bars: below the point by arrayminus, above by array', (t) => {
  const fig = (minus: number) => ({ data: [{ x: [0, 1], y: [0.5, 0.5], mode: 'markers', error_y: { type: 'data', array: [0.1, 0.1], arrayminus: [minus, minus] } }], layout: { yaxis: { range: [0, 1] } } });
  const bars = (svg: string) => [...svg.matchAll(/<path d="M([\d.]+),([\d.]+)L[\d.]+,([\d.]+)M/g)].map((m) => [+m[2], +m[3]]);
  const [[lo1, hi1]] = bars(figureSvg(fig(0.1)));
  const [[lo2, hi2]] = bars(figureSvg(fig(0.3)));
  t.is(hi1, hi2, 'the upper end is the same');
  t.true(lo2 > lo1, 'the lower end moves down (larger pixel y) with arrayminus');
  t.true(Math.abs((lo2 - hi2) / (lo1 - hi1) - 2) < 0.05, 'a bar of 0.1 + 0.3 is twice one of 0.1 + 0.1');
});
