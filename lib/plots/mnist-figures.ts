// The figures of the MNIST chapter: Figures 1, 2, 3, 4 and 7 of the paper, and the accuracy table.
import * as tf from '@tensorflow/tfjs';
import type { CurveRow } from '../eval/accuracy';
import { Classifier, topClass } from '../models/classifier';
import type { TrainSizeRow } from '../zoo/train-size';
import type { Figure, Trace } from './figure';
import { inputGradients } from './gradients';
import { imageGrid, tensorImages } from './grid';
import { markdownTable } from './table';
import type { TrainingRecord } from '../zoo/zoo';
import { describeRecipe } from '../zoo/recipes';
import { architecture } from '../models/architectures';

export type ModelCurveRow = CurveRow & { model: string };

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const normName = (threat: string) => (threat === 'linf' ? 'ℓ∞' : 'ℓ2');

/** Each model's architecture, protocol and training time. */
export function modelsTable(models: Record<string, TrainingRecord>): string {
  return markdownTable(['model', 'network', 'training', 'epochs', 'time', 'last epoch: train acc (adv)'], Object.entries(models).map(([name, r]) => {
    const last = r.history[r.history.length - 1];
    return [name, architecture(r.recipe.architecture).description, describeRecipe(r.recipe), r.history.length,
      `${(r.seconds / 60).toFixed(1)} min`, `${pct(last.std_acc)}${last.adv_acc === null ? '' : ` (${pct(last.adv_acc)})`}`];
  }));
}

/** Standard accuracy, then robust accuracy at each eps of each threat: one row per model. */
export function accuracyTable(rows: ModelCurveRow[]): string {
  const models = [...new Set(rows.map((r) => r.model))];
  const columns = [...new Map(rows.filter((r) => r.eps > 0).map((r) => [`${r.threat} ${r.eps}`, r])).values()];
  const std = (m: string) => rows.find((r) => r.model === m)!.std_acc;
  const robust = (m: string, c: ModelCurveRow) => rows.find((r) => r.model === m && r.threat === c.threat && r.eps === c.eps);
  return markdownTable(
    ['model', 'standard', ...columns.map((c) => `${normName(c.threat)} ε=${c.eps}`)],
    models.map((m) => [m, pct(std(m)), ...columns.map((c) => (robust(m, c) ? pct(robust(m, c)!.robust_acc) : '–'))]),
  );
}

/**
 * The paper's Figure 7 for MNIST: standard accuracy against eps_train, one panel per threat.
 * `points` are (threat, eps_train, std_acc) of the models trained at each eps (eps_train 0: standard).
 */
export function epsTrainFigure(points: { threat: string; eps_train: number; std_acc: number; model: string }[], n: number): Figure {
  const threats = ['linf', 'l2'].filter((t) => points.some((p) => p.threat === t));
  const data: Trace[] = threats.map((t, i) => {
    const ps = points.filter((p) => p.threat === t).sort((a, b) => a.eps_train - b.eps_train);
    return {
      x: ps.map((p) => p.eps_train), y: ps.map((p) => p.std_acc), text: ps.map((p) => p.model), name: `${normName(t)} training`,
      mode: 'lines+markers', xaxis: i ? 'x2' : 'x', yaxis: i ? 'y2' : 'y',
    };
  });
  const lo = Math.min(...points.map((p) => p.std_acc));
  const range = [Math.max(0, lo - 0.01), 1];
  return {
    data,
    layout: {
      title: { text: `Standard accuracy falls as ε_train grows (${n} test images)` },
      grid: { rows: 1, columns: threats.length, pattern: 'independent' },
      xaxis: { title: { text: `ε_train (${normName(threats[0])})` } }, yaxis: { title: { text: 'standard accuracy' }, range, tickformat: '.1%' },
      ...(threats[1] ? { xaxis2: { title: { text: `ε_train (${normName(threats[1])})` } }, yaxis2: { range, tickformat: '.1%' } } : {}),
    },
  };
}

/** The paper's Figure 1: standard accuracy against training-set size, one line per eps_train. */
export function trainSizeFigure(rows: TrainSizeRow[]): Figure {
  const epsList = [...new Set(rows.map((r) => r.eps_train))].sort((a, b) => a - b);
  return {
    data: epsList.map((eps) => {
      const rs = rows.filter((r) => r.eps_train === eps).sort((a, b) => a.n - b.n);
      return { x: rs.map((r) => r.n), y: rs.map((r) => r.std_acc), name: eps === 0 ? 'standard (ε_train = 0)' : `${normName(rs[0].threat)} ε_train = ${eps}`, mode: 'lines+markers' };
    }),
    layout: {
      title: { text: `Standard accuracy against training-set size (${rows[0]?.test_n ?? 0} test images)` },
      xaxis: { title: { text: 'training images' }, type: 'log' }, yaxis: { title: { text: 'standard accuracy' }, tickformat: '.0%' },
    },
  };
}

/** Signed values as colour: red where positive, blue where negative, white at zero; |z| <= 1. [N, H, W, 1] -> [N, H, W, 3] */
export function redBlue(z: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.concat([tf.sub(1, tf.relu(tf.neg(z))), tf.sub(1, tf.abs(z)), tf.sub(1, tf.relu(z))], 3) as tf.Tensor4D);
}

/** Figure 2: the digits, then each model's input gradient, scaled per image by 3 standard deviations. */
export async function gradientsGrid(x: tf.Tensor4D, y: tf.Tensor1D, models: Record<string, Classifier>): Promise<Buffer> {
  const rows = [tf.tile(x, [1, 1, 1, 3]) as tf.Tensor4D, ...Object.values(models).map((m) => tf.tidy(() => {
    const g = inputGradients(m, x, y);
    const sd = tf.sqrt(tf.add(tf.moments(g, [1, 2, 3], true).variance, 1e-20));
    return redBlue(tf.clipByValue(tf.div(g, tf.mul(3, sd)), -1, 1) as tf.Tensor4D);
  }))];
  const all = tf.concat(rows);
  const labels = ['digit', ...Object.keys(models).map((n) => `∇ ${n}`)].flatMap((r) => Array(x.shape[0]).fill(r));
  const png = imageGrid(await tensorImages(all), { labels, cols: x.shape[0], title: `Loss gradient with respect to the input (${x.shape[0]} test digits): red raises the loss, blue lowers it` });
  tf.dispose([...rows, all]);
  return png;
}

/** Predicted class and confidence per image: '3 (97%)'. */
export function predictions(model: Classifier, x: tf.Tensor4D): string[] {
  const { classes, confidences } = topClass(model, x);
  return classes.map((c, i) => `${c} (${(100 * confidences[i]).toFixed(0)}%)`);
}

/** Figure 3: for each digit (row), its large-eps example towards each class (column), with the prediction. */
export async function largeEpsGrid(xAdv: tf.Tensor4D, targets: number[], model: Classifier, title: string): Promise<Buffer> {
  const labels = predictions(model, xAdv).map((p, i) => `→${targets[i]}: ${p}`);
  return imageGrid(await tensorImages(xAdv), { labels, cols: 10, title });
}

/** Figure 4: frames from x to x_adv, one row. */
export async function interpolationGrid(frames: tf.Tensor4D, model: Classifier, title: string): Promise<Buffer> {
  return imageGrid(await tensorImages(frames), { labels: predictions(model, frames), cols: frames.shape[0], scale: 2, title });
}
