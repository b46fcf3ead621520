// The figures of the theory chapter (Section 2), built from lib/theory's closed forms and rows.
import { AccuracyRow, SvmRow } from '../theory/experiments';
import { averagingClassifier, linearAccuracy, robustClassifier, weightedClassifier } from '../theory/linear';
import { checkEps, checkParams, TheoryParams } from '../theory/params';
import { boundApplies, theorem21Bound, tradeoffCurve } from '../theory/tradeoff';
import type { Figure, Trace } from './spec';
import { markdownTable } from './table';

const COLORS = { averaging: '#d62728', robust: '#1f77b4', weighted: '#2ca02c', bound: '#444444', adv: '#9467bd' };

const fmt = (v: number, digits = 3) => v.toFixed(digits);
const inEta = (eps: number, eta: number) => `${fmt(eps / eta, 2)}η`;

/** An eps grid from 0 to `upTo` eta, that contains eta and 2 eta exactly. */
export function epsGrid(eta: number, upTo = 3, perEta = 4): number[] {
  return Array.from({ length: upTo * perEta + 1 }, (_, i) => (i / perEta) * eta);
}

function gaussian(xs: number[], mean: number, sd: number): number[] {
  return xs.map((x) => Math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI)));
}

// Legends go under the plot: at the right they were cut off in the PDF.
const LEGEND_BELOW = { orientation: 'h', x: 0, y: -0.22, xanchor: 'left', yanchor: 'top' };

/**
 * For y = +1, the averaging classifier sees m = mean(x2..x_{d+1}) ~ N(eta, 1/d). The adversary moves
 * every weak feature by -eps, so m ~ N(eta - eps, 1/d): the shaded mass right of 0 is what stays correct.
 */
export function weakFeatureFigure(params: TheoryParams, eps: number): Figure {
  const { d, eta } = checkParams(params);
  checkEps(eps);
  const sd = 1 / Math.sqrt(d);
  const lo = Math.min(-3 * eta, eta - eps) - 4 * sd;
  const hi = eta + 4 * sd;
  const xs = Array.from({ length: 301 }, (_, i) => lo + ((hi - lo) * i) / 300);
  const ys = gaussian(xs, eta - eps, sd);
  const accuracy = linearAccuracy(averagingClassifier(d), params, eps);
  return {
    data: [
      { x: xs, y: gaussian(xs, eta, sd), name: 'clean: N(η, 1/d)', mode: 'lines', line: { color: COLORS.robust } },
      { x: xs, y: ys, name: 'attacked: N(η − ε, 1/d)', mode: 'lines', line: { color: COLORS.averaging } },
      { x: xs.filter((x) => x > 0), y: ys.filter((_, i) => xs[i] > 0), name: 'still classified +1', fill: 'tozeroy', mode: 'none', fillcolor: 'rgba(214,39,40,0.3)' },
    ],
    layout: {
      title: { text: `Averaging classifier, y = +1: robust accuracy ${fmt(100 * accuracy, 2)}% at ε = ${inEta(eps, eta)}` },
      xaxis: { title: { text: 'mean of the weak features x₂ … x₍d₊₁₎' } },
      yaxis: { title: { text: 'density' } },
      shapes: [{ type: 'line', x0: 0, x1: 0, yref: 'paper', y0: 0, y1: 1, line: { dash: 'dot', color: '#888' } }],
      legend: LEGEND_BELOW,
      margin: { l: 60, r: 20, t: 50, b: 110 },
    },
  };
}

/** The angle of a weighted classifier sign(cos θ x1 + sin θ/√d Σ x_j) from its weights. */
export function classifierAngle(w: Float64Array): number {
  const weak = w[1];
  if (w.length < 2 || w.some((v, j) => j > 0 && Math.abs(v - weak) > 1e-12 * Math.max(1, Math.abs(weak)))) {
    throw new Error('a live accuracy figure needs weighted classifiers: the same weight on every weak feature');
  }
  return Math.atan2(weak * Math.sqrt(w.length - 1), w[0]);
}

/** Monte Carlo estimates, drawn at the parameters they were sampled at whatever the sliders say. */
export interface MonteCarloPoints { rows: AccuracyRow[]; params: TheoryParams; n: number }

/**
 * Accuracy against eps (0 to 3 eta) of weighted classifiers given by their angle: closed forms as
 * lines at `params`; Monte Carlo estimates as points with 2-standard-error bars.
 */
export function accuracyVsEpsFigure(params: TheoryParams, thetas: Record<string, number>, mc?: MonteCarloPoints): Figure {
  const { eta, d } = checkParams(params);
  const eps = Array.from({ length: 61 }, (_, i) => (i / 20) * eta);
  const same = mc && mc.params.p === params.p && mc.params.d === params.d && Math.abs(mc.params.eta - eta) < 1e-12;
  const data: Trace[] = Object.entries(thetas).flatMap(([name, theta], k) => {
    const color = Object.values(COLORS)[k % 5];
    const w = weightedClassifier(d, theta);
    const rs = mc?.rows.filter((r) => r.classifier === name) ?? [];
    return [
      { x: eps, y: eps.map((e) => linearAccuracy(w, params, e)), name: `${name}: closed form`, mode: 'lines', line: { color } },
      ...(rs.length ? [{
        x: rs.map((r) => r.eps), y: rs.map((r) => r.monteCarlo), name: `${name}: Monte Carlo`, mode: 'markers', marker: { color, size: 7 },
        error_y: { type: 'data', array: rs.map((r) => 2 * r.se), visible: true }, showlegend: false,
      }] : []),
    ];
  });
  const vline = (x: number, text: string) => ({ type: 'line', x0: x, x1: x, yref: 'paper', y0: 0, y1: 1, line: { dash: 'dot', color: '#888' }, label: { text } });
  // The points are Monte Carlo estimates on n samples; their bars, ± 2 standard errors, are about a 95% interval.
  const points = !mc ? '' : `; points: n = ${mc.n} samples${same ? '' : ` at p = ${mc.params.p}, d = ${mc.params.d}, η = ${fmt(mc.params.eta)}`}, bars ±2 s.e. (95%)`;
  return {
    data,
    layout: {
      title: { text: `Accuracy under an ℓ∞ adversary<br><span style="font-size:12px">p = ${params.p}, d = ${d}, η = ${fmt(eta)}${points}</span>` },
      xaxis: { title: { text: 'ε' } },
      yaxis: { title: { text: 'accuracy' }, range: [-0.02, 1.02] },
      shapes: [vline(eta, 'ε = η'), vline(2 * eta, 'ε = 2η')],
      legend: LEGEND_BELOW,
      margin: { l: 60, r: 20, t: 70, b: 110 },
    },
  };
}

/**
 * Theorem 2.1 as a picture: (standard, robust) accuracy of the weighted classifiers
 * sign(cos θ x1 + sin θ/√d Σ x_j), against the bound robust <= p/(1-p) (1 - standard), at eps.
 */
export function tradeoffFigure(params: TheoryParams, eps: number): Figure {
  const { p, d, eta } = checkParams(params);
  const std = Array.from({ length: 201 }, (_, i) => 0.5 + i / 400); // 0.5 .. 1
  const point = (name: string, w: Float64Array, color: string): Trace => ({
    x: [linearAccuracy(w, params)], y: [linearAccuracy(w, params, eps)], name, mode: 'markers', marker: { color, size: 12, symbol: 'diamond' },
  });
  const curve = tradeoffCurve(params, eps);
  return {
    data: [
      {
        x: std, y: std.map((s) => theorem21Bound(p, s)), name: 'Theorem 2.1 bound p/(1−p)·δ (for ε ≥ 2η)',
        mode: 'lines', line: { color: COLORS.bound, dash: 'dash' }, fill: 'tozeroy', fillcolor: 'rgba(0,0,0,0.04)',
      },
      {
        x: curve.map((c) => c.standard), y: curve.map((c) => c.robust), name: 'sign(cos θ·x₁ + sin θ/√d·Σxⱼ), θ from 0 to π/2',
        mode: 'lines+markers', marker: { size: 4, color: curve.map((c) => c.theta), colorscale: 'Viridis' }, line: { color: COLORS.weighted },
        text: curve.map((c) => `θ = ${fmt(c.theta, 2)}`),
      },
      point('robust classifier sign(x₁)', robustClassifier(d), COLORS.robust),
      point('averaging classifier', averagingClassifier(d), COLORS.averaging),
    ],
    layout: {
      title: { text: `Standard vs robust accuracy at ε = ${inEta(eps, eta)}: ${boundApplies(params, eps) ? 'Theorem 2.1 applies' : 'below 2η the theorem is silent'}` },
      // Zoom to where the classifiers are: between sign(x1) at p and the averaging classifier near 1.
      xaxis: { title: { text: 'standard accuracy 1 − δ' }, range: [Math.max(0.5, p - 0.03), 1.002] },
      yaxis: { title: { text: 'robust accuracy' }, range: [0, 1.02] },
      legend: LEGEND_BELOW,
      margin: { l: 60, r: 20, t: 50, b: 130 },
      height: 520,
    },
  };
}

/** Theorem 2.2: where the SVM puts its weight, and what that does to its accuracy, as eps_train grows. */
export function svmFigure(rows: SvmRow[], params: TheoryParams, nTrain: number): Figure {
  const { p, eta } = checkParams(params);
  const x = rows.map((r) => r.epsTrain / eta);
  const epsTest = rows[0]?.epsTest ?? 0;
  return {
    data: [
      { x, y: rows.map((r) => r.robustShare), name: 'share of ‖w‖₁ on x₁', mode: 'lines+markers', line: { color: COLORS.robust } },
      { x, y: rows.map((r) => r.standard), name: 'standard accuracy', mode: 'lines+markers', xaxis: 'x2', yaxis: 'y2', line: { color: COLORS.weighted } },
      { x, y: rows.map((r) => r.robust), name: `robust accuracy at ε = ${inEta(epsTest, eta)}`, mode: 'lines+markers', xaxis: 'x2', yaxis: 'y2', line: { color: COLORS.averaging } },
      { x: [x[0], x[x.length - 1]], y: [p, p], name: `p = ${p}`, mode: 'lines', xaxis: 'x2', yaxis: 'y2', line: { color: COLORS.bound, dash: 'dot' } },
    ],
    layout: {
      title: { text: `Soft-margin SVMs trained on ${nTrain} samples (d = ${params.d}, η = ${fmt(eta)})` },
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      xaxis: { title: { text: 'ε_train / η' } },
      yaxis: { title: { text: 'weight on x₁ (ℓ₁ share)' }, range: [0, 1.05] },
      xaxis2: { title: { text: 'ε_train / η' } },
      yaxis2: { title: { text: 'accuracy' }, range: [0, 1.05] },
      legend: { orientation: 'h', y: -0.25 },
      height: 460,
    },
  };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/**
 * Standard accuracy and robust accuracy at eps = 2 eta of each classifier, closed form beside Monte
 * Carlo on n samples, the latter ± 1.96 standard errors (a 95% interval).
 */
export function accuracySummary(rows: AccuracyRow[], eta: number): string {
  const at = (name: string, eps: number) => rows.find((r) => r.classifier === name && Math.abs(r.eps - eps) < 1e-12);
  const names = [...new Set(rows.map((r) => r.classifier))];
  const mc = (r: AccuracyRow) => `${pct(r.monteCarlo)} ± ${pct(Z95 * r.se)}`;
  return markdownTable(
    ['classifier', 'n', 'standard: closed form', 'standard: Monte Carlo ± 95%', 'robust at ε = 2η: closed form', 'robust at ε = 2η: Monte Carlo ± 95%'],
    names.map((name) => {
      const [s, r] = [at(name, 0), at(name, 2 * eta)];
      if (!s || !r) throw new Error(`accuracySummary: the rows for ${name} have no eps = 0 or eps = 2 eta`);
      return [name, s.n, pct(s.closedForm), mc(s), pct(r.closedForm), mc(r)];
    }));
}

/** The standard normal's 97.5% quantile: ± Z95 standard errors is a 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The standard SVM (eps_train = 0) against every adversarially trained one. Its accuracies are the closed
 * form of each trained w on D, not counts on samples: they have no sampling interval, and the header says so.
 */
export function svmSummary(rows: SvmRow[], eta: number): string {
  return markdownTable(
    ['SVM', 'ε_train', 'weight share on x₁', 'standard accuracy (closed form, exact)', `robust accuracy at ε = ${inEta(rows[0]?.epsTest ?? 0, eta)} (closed form, exact)`],
    rows.map((r) => [r.epsTrain === 0 ? 'standard' : 'adversarial', inEta(r.epsTrain, eta), r.robustShare.toFixed(3), pct(r.standard), pct(r.robust)]));
}

/** What a live theory figure carries into its page: which figure, and where its sliders start. */
export interface LiveTheoryData {
  kind: 'weakFeatures' | 'tradeoff' | 'accuracy';
  params: TheoryParams;
  /** In eps / eta, for the figures drawn at one eps. */
  epsInEta: number;
  /** The accuracy figure's classifiers, by their angle θ. */
  thetas?: Record<string, number>;
  monteCarlo?: MonteCarloPoints;
}

/** The figure at the sliders' values: the one function the page and Node both draw with. */
export function theoryFigure(data: LiveTheoryData, params: TheoryParams, epsInEta: number): Figure {
  switch (data.kind) {
    case 'weakFeatures': return weakFeatureFigure(params, epsInEta * params.eta);
    case 'tradeoff': return tradeoffFigure(params, epsInEta * params.eta);
    case 'accuracy': return accuracyVsEpsFigure(params, data.thetas ?? {}, data.monteCarlo);
    default: throw new Error(`unknown theory figure '${(data as { kind: string }).kind}': use weakFeatures, tradeoff or accuracy`);
  }
}
