// The figures of the MNIST and CIFAR-10 chapters: Figures 1, 2, 3, 4 and 7 of the paper, and the
// accuracy table. Grey digits and colour photos go through the same functions; `classNames` labels
// what a data set names (CIFAR-10's 'cat'), class ids stand for themselves (MNIST's digits).
import { className } from '../figures/classes';
import * as tf from '@tensorflow/tfjs';
import type { CurveRow } from '../eval/accuracy';
import { Classifier, topClass } from '../models/classifier';
import type { TrainSizeRow } from '../zoo/train-size';
import type { Figure, Trace } from './figure';
import { gradientColours, inputGradients } from '../figures/gradients';
import { imageGrid, tensorImages } from './grid';
import { markdownTable } from '../figures/table';
import type { TrainingRecord } from '../zoo/zoo';
import { describeRecipe } from '../zoo/recipes';
import { architecture } from '../models/architectures';
import { formatEps, normSymbol } from '../attacks/threat';
import type { PublishedModel } from '../models/published';
import { accuracyInterval, formatInterval } from '../eval/interval';
import { intervalBars } from './intervals';

export type ModelCurveRow = CurveRow & { model: string };

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const normName = normSymbol;
/** An accuracy counted on n images, with its 95% interval: '90.0% [84.5, 93.8]'. */
const pctCI = (v: number, n: number) => formatInterval(accuracyInterval(v, n));

/** Each model's architecture, protocol and training time. */
export function modelsTable(models: Record<string, TrainingRecord>): string {
  return markdownTable(['model', 'network', 'training', 'epochs', 'time', 'last epoch: train acc (adv)'], Object.entries(models).map(([name, r]) => {
    const last = r.history[r.history.length - 1];
    return [name, architecture(r.recipe.architecture).description, describeRecipe(r.recipe), r.history.length,
      `${(r.seconds / 60).toFixed(1)} min`, `${pct(last.std_acc)}${last.adv_acc === null ? '' : ` (${pct(last.adv_acc)})`}`];
  }));
}

/**
 * Standard accuracy, then robust accuracy at each eps of each threat: one row per model, each cell with
 * its 95% interval, and the number of test images n it was counted on.
 */
export function accuracyTable(rows: ModelCurveRow[]): string {
  const models = [...new Set(rows.map((r) => r.model))];
  const columns = [...new Map(rows.filter((r) => r.eps > 0).map((r) => [`${r.threat} ${r.eps}`, r])).values()];
  const first = (m: string) => rows.find((r) => r.model === m)!;
  const robust = (m: string, c: ModelCurveRow) => rows.find((r) => r.model === m && r.threat === c.threat && r.eps === c.eps);
  return markdownTable(
    ['model', 'n', 'standard', ...columns.map((c) => `${normName(c.threat)} ε=${formatEps(c.eps)}`)],
    models.map((m) => [m, first(m).n, pctCI(first(m).std_acc, first(m).n), ...columns.map((c) => {
      const r = robust(m, c);
      return r ? pctCI(r.robust_acc, r.n) : '–';
    })]),
  );
}

export interface StdAccPoint { threat: string; eps_train: number; std_acc: number; model: string; /** Test images it was counted on, where points differ. */ n?: number }

/**
 * The paper's Figure 7: standard accuracy against eps_train, one panel per threat. `points` are
 * (threat, eps_train, std_acc) of the models trained at each eps (eps_train 0: standard); `reference`,
 * published points drawn beside ours (dashed), under the name `referenceName`.
 */
export function epsTrainFigure(points: StdAccPoint[], n: number, reference?: { name: string; points: StdAccPoint[]; n?: number }): Figure {
  const threats = ['linf', 'l2'].filter((t) => points.some((p) => p.threat === t));
  // Each point with its 95% interval over the test images it was counted on (its own n, else the figure's n; the reference's, where it says).
  const line = (ps: StdAccPoint[], t: string, i: number, name: string, count: number | undefined, dash?: string): Trace => {
    const sorted = ps.filter((p) => p.threat === t).sort((a, b) => a.eps_train - b.eps_train);
    const ys = sorted.map((p) => p.std_acc);
    const bars = count ? intervalBars(ys, sorted.map((p) => p.n ?? count)) : null;
    return {
      x: sorted.map((p) => p.eps_train), y: ys, text: sorted.map((p) => `${p.model}: ε_train ${formatEps(p.eps_train)}`), name,
      mode: 'lines+markers', xaxis: i ? 'x2' : 'x', yaxis: i ? 'y2' : 'y', showlegend: i === 0, legendgroup: name,
      ...(bars ? { error_y: bars.error_y, customdata: bars.customdata, hovertemplate: '%{text}: %{y:.1%} [%{customdata[0]:.1%}, %{customdata[1]:.1%}] on %{customdata[2]} images<extra></extra>' }
        : { hovertemplate: '%{text}: %{y:.1%}<extra></extra>' }),
      ...(dash ? { line: { dash, color: '#888' }, marker: { color: '#888' } } : { line: { color: '#1f77b4' }, marker: { color: '#1f77b4' } }),
    };
  };
  const data: Trace[] = threats.flatMap((t, i) => [
    line(points, t, i, 'ours', n),
    ...(reference && reference.points.some((p) => p.threat === t) ? [line(reference.points, t, i, reference.name, reference.n, 'dash')] : []),
  ]);
  const all = [...points, ...(reference?.points ?? [])];
  const lo = Math.min(...all.map((p) => p.std_acc));
  const range = [Math.max(0, lo - 0.01), 1];
  const axis = (t: string) => ({ title: { text: `ε_train (${normName(t)})` }, ...(t === 'linf' && all.some((p) => p.threat === 'linf' && p.eps_train > 0 && formatEps(p.eps_train).endsWith('/255'))
    ? { tickvals: [...new Set(all.filter((p) => p.threat === 'linf').map((p) => p.eps_train))], ticktext: [...new Set(all.filter((p) => p.threat === 'linf').map((p) => p.eps_train))].map(formatEps) } : {}) });
  return {
    data,
    layout: {
      title: { text: `Standard accuracy falls as ε_train grows (n = ${n} test images; bars: 95% intervals)` },
      grid: { rows: 1, columns: threats.length, pattern: 'independent' },
      xaxis: axis(threats[0]), yaxis: { title: { text: 'standard accuracy' }, range, tickformat: '.1%' },
      ...(threats[1] ? { xaxis2: axis(threats[1]), yaxis2: { range, tickformat: '.1%' } } : {}),
      ...(reference ? { legend: { orientation: 'h', y: -0.25 } } : { showlegend: false }),
    },
  };
}

/** The paper's Figure 1: standard accuracy against training-set size, one line per eps_train. */
export function trainSizeFigure(rows: TrainSizeRow[]): Figure {
  const epsList = [...new Set(rows.map((r) => r.eps_train))].sort((a, b) => a - b);
  return {
    data: epsList.map((eps) => {
      const rs = rows.filter((r) => r.eps_train === eps).sort((a, b) => a.n - b.n);
      const ys = rs.map((r) => r.std_acc);
      const { error_y, customdata } = intervalBars(ys, rs.map((r) => Number(r.test_n)));
      return { x: rs.map((r) => r.n), y: ys, name: eps === 0 ? 'standard (ε_train = 0)' : `${normName(rs[0].threat)} ε_train = ${eps}`, mode: 'lines+markers',
        error_y, customdata, hovertemplate: `%{x} training images: %{y:.2%} [%{customdata[0]:.2%}, %{customdata[1]:.2%}] on %{customdata[2]} test images<extra></extra>` };
    }),
    layout: {
      title: { text: `Standard accuracy against training-set size (n = ${rows[0]?.test_n ?? 0} test images; bars: 95% intervals)` },
      xaxis: { title: { text: 'training images' }, type: 'log' }, yaxis: { title: { text: 'standard accuracy' }, tickformat: '.0%' },
    },
  };
}

/**
 * How a grid of large images is drawn: `thumb` resizes each to thumb x thumb pixels first, `format`
 * 'jpeg' suits photographs (a tenth of a PNG's size in a handout), `scale` multiplies pixels.
 */
export interface GridLook { thumb?: number; format?: 'png' | 'jpeg'; scale?: number }

const look = (l: GridLook) => ({ ...(l.format ? { format: l.format } : {}), ...(l.scale !== undefined ? { scale: l.scale } : {}) });

/**
 * Figure 2: the images, then each model's input gradient. Grey digits: signed, orange raises the loss and
 * blue lowers it, scaled by 3 standard deviations; colour images: as the paper's code draws them,
 * centred, scaled by 3 standard deviations and mapped to [0, 1] per channel.
 */
export async function gradientsGrid(x: tf.Tensor4D, y: tf.Tensor1D, models: Record<string, Classifier>, opts: { what?: string } & GridLook = {}): Promise<Buffer> {
  const grey = x.shape[3] === 1;
  const rows = [grey ? tf.tile(x, [1, 1, 1, 3]) as tf.Tensor4D : tf.clone(x), ...Object.values(models).map((m) => tf.tidy(() => gradientColours(inputGradients(m, x, y))))];
  const all = tf.concat(rows);
  const what = opts.what ?? (grey ? 'digit' : 'image');
  const labels = [what, ...Object.keys(models).map((n) => `∇ ${n}`)].flatMap((r) => Array(x.shape[0]).fill(r));
  const legend = grey ? 'orange raises the loss, blue lowers it' : 'grey is zero, clipped at 3 standard deviations';
  const png = imageGrid(await tensorImages(all, opts.thumb), { labels, cols: x.shape[0], ...look(opts), title: `Loss gradient with respect to the input (${x.shape[0]} test ${what}s): ${legend}`,
    rowNames: [`the test ${what}s`, ...Object.keys(models).map((n) => `the ${n} model's gradients`)] });
  tf.dispose([...rows, all]);
  return png;
}

/** Predicted class and confidence per image: '3 (97%)', 'cat 97%'. */
export function predictions(model: Classifier, x: tf.Tensor4D, classNames?: string[]): string[] {
  const { classes, confidences } = topClass(model, x);
  // Named classes take the shorter form ('cat 97%'), which fits under a 32-pixel image.
  return classes.map((c, i) => (classNames ? `${classNames[c]} ${(100 * confidences[i]).toFixed(0)}%` : `${c} (${(100 * confidences[i]).toFixed(0)}%)`));
}

/** A named prediction on two lines, 'cat\n97%', so that it fits under a small image. */
const twoLines = (p: string) => p.replace(/ (\d+%)$/, '\n$1');

/**
 * Figure 3: for each image (row), its large-eps example towards each class (column), with the prediction.
 * `cols` sets another layout (default 10, one row per image of a 10-class data set); `originals` draws
 * the images attacked first, with the model's prediction on them, as many as xAdv.
 */
export async function largeEpsGrid(xAdv: tf.Tensor4D, targets: number[], model: Classifier, title: string, opts: { classNames?: string[]; cols?: number; originals?: tf.Tensor4D } & GridLook = {}): Promise<Buffer> {
  // Named classes on three short lines, so that 32-pixel photos fit at twice their size: the CIFAR-10
  // handout carries its live explorer's two networks and must stay under 5 MB.
  const named = opts.classNames;
  const labels = predictions(model, xAdv, named).map((p, i) => (named ? `→ ${className(targets[i], named)}\n${twoLines(p)}` : `→${targets[i]}: ${p}`));
  const before = opts.originals ? predictions(model, opts.originals, named).map((p) => (named ? `original\n${twoLines(p)}` : `original: ${p}`)) : [];
  const shown = opts.originals ? tf.concat([opts.originals, xAdv]) : xAdv;
  const images = await tensorImages(shown, opts.thumb);
  if (opts.originals) shown.dispose();
  return imageGrid(images, { labels: [...before, ...labels], cols: opts.cols ?? 10, scale: named ? 2 : undefined, pad: named ? 12 : undefined, ...look(opts), title });
}

/** Figure 4: frames from x to x_adv, one row (two for wide images), each with the model's prediction. */
export async function interpolationGrid(frames: tf.Tensor4D, model: Classifier, title: string, opts: { classNames?: string[]; cols?: number } & GridLook = {}): Promise<Buffer> {
  const labels = predictions(model, frames, opts.classNames).map((p) => (opts.classNames ? twoLines(p) : p));
  return imageGrid(await tensorImages(frames, opts.thumb), { labels, cols: opts.cols ?? frames.shape[0], scale: 2, ...look(opts), title });
}

/**
 * Ours beside the published: for each eps_train, our grid model's standard accuracy (`points`, on
 * n.standard test images) and robust accuracy at its eps_train (`curves`, on each row's n), and the
 * published model's two numbers at that eps_train (on n.published), each with its 95% interval.
 */
export function tradeoffTable(points: StdAccPoint[], curves: ModelCurveRow[], published: PublishedModel[], publishedName: string,
  n: { standard: number; published: number }): string {
  const rows = points.filter((p, i) => p.eps_train > 0 || points.findIndex((q) => q.eps_train === 0) === i);
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
  return markdownTable(
    ['ε_train', 'ours', 'standard', 'robust at ε_train', `${publishedName}: standard`, 'robust at ε_train'],
    rows.map((p) => {
      const ours = curves.find((r) => r.model === p.model && r.threat === p.threat && near(r.eps, p.eps_train));
      const theirs = published.find((m) => near(m.eps ?? 0, p.eps_train) && (p.eps_train === 0 || m.threat === p.threat));
      return [p.eps_train === 0 ? '0 (standard)' : `${normName(p.threat)} ${formatEps(p.eps_train)}`, p.model, pctCI(p.std_acc, n.standard),
        p.eps_train === 0 ? '–' : ours ? pctCI(ours.robust_acc, ours.n) : 'not attacked', theirs?.stdAcc !== undefined ? pctCI(theirs.stdAcc, n.published) : '–',
        theirs?.robustAcc !== undefined ? pctCI(theirs.robustAcc, n.published) : '–'];
    }),
  );
}

/** Published models as Figure 7 points: each one's standard accuracy at its eps_train (the standard one in both panels). */
export function publishedPoints(published: PublishedModel[]): StdAccPoint[] {
  return published.filter((m) => m.stdAcc !== undefined).flatMap((m) => (m.threat ? [m.threat] : ['linf', 'l2'])
    .map((threat) => ({ threat, eps_train: m.eps ?? 0, std_acc: m.stdAcc!, model: m.name })));
}
