// The image chapters (02 MNIST, 03 CIFAR-10): one function per section of the argument, each taking
// the chapter, whose data set (a DatasetSpec) is all that differs between them. A notebook cell is one
// call; what only one chapter has (MNIST's Figure 1, CIFAR-10's MadryLab checkpoint) is a section of its own.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { interpolationRow, largeEpsExamples, towardsEachClass } from '../attacks/large-eps';
import { Norm, NORMS, normSymbol } from '../attacks/threat';
import { batchTensors, ImageDataset, subset } from '../data/dataset';
import { datasetSpec, DatasetSpec, loadDataset } from '../data/datasets';
import type { ChapterSizes } from '../data/spec';
import { CurveRow, robustCurves } from '../eval/accuracy';
import { accuracyInterval } from '../eval/interval';
import { className } from '../figures/classes';
import { chapterEvaluations, checkEvaluations, evaluationsMarkdown, storedCurves } from './evaluations';
import { writeCsv } from '../io/csv';
import type { Classifier } from '../models/classifier';
import * as figures from '../plots/chapter-figures';
import { explorerHtml } from '../plots/explorer';
import type { Figure } from '../plots/figure';
import { robustCurveFigure } from '../plots/robustness';
import { downloadProgress, notebookProgress, OnProgress } from '../progress';
import { curveModels, epsTrainPoints, EpsTrainPoint, figureModels } from '../zoo/chapter';
import { unshipped, ZooModel, zooModels } from '../zoo/zoo';
import type { ShippedEvaluation } from '../zoo/evaluation';
import { OUTPUTS } from '../paths';

export interface ImageChapter {
  /** The chapter's notebook, '02-mnist': what `npm run notebooks` runs. */
  name: string;
  spec: DatasetSpec;
  /** The profile's sizes for this chapter. */
  sizes: ChapterSizes;
  /** Where its CSV go (outputs/<chapter>/). */
  outDir: string;
  zoo: Record<string, ZooModel>;
  models: Record<string, Classifier>;
  /** Recipes whose model is not shipped yet, left out of a quick run. */
  missing: string[];
  /** The profile's test split (the embedded sample in the quick profile). */
  testSet: ImageDataset;
  /** Measure everything now, even where a shipped model's stored evaluation could be shown. */
  remeasure: boolean;
  /** The stored evaluations shown instead of attacks now (chapterEvaluations), by model. */
  stored: Record<string, ShippedEvaluation>;
  onProgress?: OnProgress;
}

/** Where a chapter writes its CSV: outputs/<chapter>/ (AT_ODDS_OUTPUTS moves outputs/). */
export function chapterOutputs(chapter: string): string {
  return path.join(OUTPUTS, chapter);
}

/**
 * Chapter `chapter` (its notebook's name) on `dataset`: the data set's models (read from
 * data/models/<dataset>/, or trained in the full profile), its test images, and the stored
 * evaluations of the shipped ones. Its CSV go to `outDir` (default outputs/<chapter>/).
 */
export async function openChapter(dataset: string, opts: { chapter: string; profile: string; outDir?: string; remeasure?: boolean; onProgress?: OnProgress }): Promise<ImageChapter> {
  const spec = datasetSpec(dataset);
  const sizes = spec.profiles[opts.profile as keyof DatasetSpec['profiles']];
  if (!sizes) throw new Error(`profile must be one of ${Object.keys(spec.profiles).join(', ')}, got '${opts.profile}'`);
  const onProgress = opts.onProgress ?? notebookProgress();
  const load = (split: string) => loadDataset(spec, split, { onProgress: downloadProgress(onProgress) });
  const trainSet = sizes.train ? await load('train') : null;
  const outDir = opts.outDir ?? chapterOutputs(opts.chapter);
  const zoo = await zooModels(spec.name, { train: trainSet ? { data: trainSet, dir: path.join(outDir, 'models') } : undefined, onProgress, skipUnshipped: true });
  const models = Object.fromEntries(Object.entries(zoo).map(([name, z]) => [name, z.model as Classifier]));
  const remeasure = Boolean(opts.remeasure);
  return {
    name: opts.chapter, spec, sizes, outDir, zoo, models, missing: sizes.train ? [] : unshipped(spec.name),
    testSet: await load(sizes.testSplit), remeasure, stored: chapterEvaluations({ spec, sizes, remeasure, models }), onProgress,
  };
}

/** The models table: architecture, protocol, epochs, time and last training accuracy of each. */
export function modelsSection(ch: ImageChapter): string {
  const where = ch.sizes.train ? 'Trained now (full profile)' : `Read from \`data/models/${ch.spec.name}/\``;
  const table = figures.modelsTable(Object.fromEntries(Object.entries(ch.zoo).map(([name, z]) => [name, z.record])));
  const missing = ch.missing.length ? `\n\n**Not shipped yet**, so left out of this run: ${ch.missing.join(', ')} (train one with \`npm run train -- --dataset ${ch.spec.name} --recipe NAME\`).` : '';
  return `${where}:\n\n${table}${missing}`;
}

export interface Accuracy {
  curves: (CurveRow & { model: string })[];
  steps: number;
  /** Test images attacked. */
  n: number;
  /** Test images attacked for the extra models (a MadryLab ResNet-50 costs 60 times a ResNet-9). */
  extraN?: number;
  extraModels: string[];
  /** Where stored evaluations were shown instead of attacks now: what measured them, and the live check of a few images (markdown; '' if none). */
  source: string;
}

/**
 * Standard and robust accuracy of every model, PGD with a random start at each eps of the data set's
 * grids (both norms); written to accuracy.csv. A shipped model's stored evaluation is shown as it is
 * (lib/chapters/evaluations.ts), and re-measured live on the first `checkImages` test images (default
 * 20) at two budgets; the others (trained here, other weights, `remeasure`) are attacked now on the first
 * `attackImages` test images. `extra` models (a published checkpoint) join on their own, smaller subset.
 */
export async function measureAccuracy(ch: ImageChapter, opts: { attackImages?: number; pgdSteps?: number; checkImages?: number; extra?: { models: Record<string, Classifier>; images: number } } = {}): Promise<Accuracy> {
  const liveSteps = opts.pgdSteps || ch.sizes.pgdSteps;
  const attackSet = subset(ch.testSet, 0, Math.min(opts.attackImages || ch.sizes.attackImages, ch.testSet.n));
  const grids = ch.spec.epsGrids;
  const stored = ch.stored;
  const live = Object.fromEntries(Object.entries(ch.models).filter(([name]) => !(name in stored)));
  const measured = Object.keys(live).length ? await robustCurves(live, attackSet, { grids, steps: liveSteps, onProgress: ch.onProgress }) : [];
  const order = Object.keys(ch.models);
  const curves = [...storedCurves(stored), ...measured.map((r) => ({ ...r, steps: liveSteps }))].sort((a, b) => order.indexOf(a.model) - order.indexOf(b.model));
  const storedOnly = Object.keys(live).length === 0 && Object.keys(stored).length > 0;
  // The table's n and steps: the stored ones when every model is stored, else those of the attacks now.
  const steps = storedOnly ? Object.values(stored)[0].settings.steps : liveSteps;
  const n = storedOnly ? Math.min(...curves.filter((r) => r.eps > 0).map((r) => r.n)) : attackSet.n;
  const check = Object.keys(stored).length ? await checkEvaluations(ch, stored, { images: opts.checkImages ?? 20 }) : undefined;
  const source = evaluationsMarkdown(ch, stored, check) + (Object.keys(stored).length && Object.keys(live).length
    ? `\n\nMeasured now (PGD-${liveSteps} on the first ${attackSet.n} test images), having no stored evaluation for these weights: ${Object.keys(live).join(', ')}.` : '');
  const extraModels = Object.keys(opts.extra?.models ?? {});
  let extraN: number | undefined;
  if (opts.extra && extraModels.length) {
    const extraSet = subset(ch.testSet, 0, Math.min(opts.extra.images, attackSet.n));
    curves.push(...(await robustCurves(opts.extra.models, extraSet, { grids, steps: liveSteps, onProgress: ch.onProgress })).map((r) => ({ ...r, steps: liveSteps })));
    extraN = extraSet.n;
  }
  writeCsv(path.join(ch.outDir, 'accuracy.csv'), curves);
  return { curves, steps, n, extraN, extraModels, source };
}

/** Half the width of the 95% interval of an accuracy of 50% on n images, in points: the widest it gets. */
const halfWidthAt50 = (n: number) => { const c = accuracyInterval(0.5, n); return (50 * (c.hi - c.lo)).toFixed(1); };

/** The accuracy table, with what was measured on what, and how precisely. */
export function accuracySection(acc: Accuracy): string {
  const extra = acc.extraN !== undefined ? ` (the MadryLab model on the first ${acc.extraN})` : '';
  // Stored evaluations and attacks made now can differ in n and steps: then each row's n column says its n.
  const ns = [...new Set(acc.curves.filter((r) => !acc.extraModels.includes(r.model)).map((r) => r.n))].sort((a, b) => a - b);
  const steps = [...new Set(acc.curves.map((r) => (typeof r.steps === 'number' ? r.steps : acc.steps)))].sort((a, b) => a - b);
  const pgd = steps.length > 1 ? `PGD-${steps.join(' or PGD-')}` : `PGD-${acc.steps}`;
  const what = ns.length > 1
    ? `${pgd} with a random start, each row on the first n test images of its n column (here n = ${ns.join(' or ')}; below the table, what was measured when)${extra}. `
      + `Each cell is the accuracy on its row's n images and, in brackets, its 95% interval (Wilson score): an accuracy near 50% is known to about `
      + `${ns.map((n) => `±${halfWidthAt50(n)} points at n = ${n}`).join(' and ')}`
    : `${pgd} with a random start, on the first n = ${acc.n} test images${extra}. Each cell is the accuracy on n images and, `
      + `in brackets, its 95% interval (Wilson score): at n = ${acc.n} an accuracy near 50% is known to about ±${halfWidthAt50(acc.n)} points`;
  return `${what}, so two numbers whose intervals overlap are not told apart by this run.\n\n${figures.accuracyTable(acc.curves)}${acc.source ? `\n\n${acc.source}` : ''}`;
}

/** The attack and the n of the curves: 'PGD-20' and '250', or 'PGD-10 or PGD-20' and '250 or 1000' where stored evaluations and attacks made now differ. */
function curveCounts(acc: Accuracy): { pgd: string; n: string } {
  const ns = [...new Set(acc.curves.map((r) => r.n))].sort((a, b) => a - b);
  const steps = [...new Set(acc.curves.map((r) => (typeof r.steps === 'number' ? r.steps : acc.steps)))].sort((a, b) => a - b);
  return { pgd: steps.length > 1 ? `PGD-${steps.join(' or PGD-')}` : `PGD-${steps[0] ?? acc.steps}`, n: ns.join(' or ') };
}

/** One figure per threat: the models outside the eps_train grid, and the grid's standard model with those trained against that threat. */
export function robustCurveFigures(ch: ImageChapter, acc: Accuracy): Figure[] {
  return NORMS.map((threat: Norm) => {
    const pick = [...curveModels(ch.spec.name, threat), ...acc.extraModels];
    return robustCurveFigure(acc.curves.filter((r) => r.threat === threat && pick.includes(r.model)),
      { title: `Robust accuracy under ${normSymbol(threat)} ${curveCounts(acc).pgd} (n = ${curveCounts(acc).n} test images; bars: 95% intervals)` });
  });
}

/**
 * Figure 7's points: each grid model's standard accuracy at its eps_train, from its stored evaluation
 * (every test image measured when it was shipped) or else measured now on the chapter's test images;
 * written to std_vs_eps_train.csv.
 */
export async function measureEpsTrain(ch: ImageChapter): Promise<EpsTrainPoint[]> {
  const known = Object.fromEntries(Object.entries(ch.stored).map(([m, ev]) => [m, { std_acc: ev.clean.acc, n: ev.clean.n }]));
  const points = await epsTrainPoints(ch.spec.name, ch.models, ch.testSet, ch.onProgress, known);
  writeCsv(path.join(ch.outDir, 'std_vs_eps_train.csv'), points);
  return points;
}

/** The test images Figure 7's points were counted on (the fewest, if they differ). */
export function epsTrainImages(points: EpsTrainPoint[]): number {
  return Math.min(...points.map((p) => p.n));
}

/** Figure 7: standard accuracy against eps_train, with how many test images it was counted on. */
export function epsTrainSection(points: EpsTrainPoint[]): Figure {
  return figures.epsTrainFigure(points, epsTrainImages(points));
}

/** Test images by index, as tensors: x [N, H, W, C] in [0, 1] and labels [N]. */
export function testImages(ch: ImageChapter, indices: number[]): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return batchTensors(ch.testSet, indices);
}

/** The models of Figures 2-4, under their labels (and any extra, such as a MadryLab checkpoint). */
export function featureModels(ch: ImageChapter, extra: Record<string, Classifier> = {}): Record<string, Classifier> {
  return { ...figureModels(ch.spec.name, 'features', ch.models), ...extra };
}

/** Figure 2: the first `count` test images and each model's loss gradient. */
export async function gradientsFigure(ch: ImageChapter, count: number, extra: Record<string, Classifier> = {}): Promise<Buffer> {
  const { x, y } = testImages(ch, Array.from({ length: Math.min(count, ch.testSet.n) }, (_, i) => i));
  try {
    return await figures.gradientsGrid(x, y, featureModels(ch, extra), { what: ch.spec.noun });
  } finally {
    tf.dispose([x, y]);
  }
}

export interface LargeEps {
  /** The test images, each repeated once per class, and the class each copy is pushed towards. */
  x: tf.Tensor4D;
  targets: tf.Tensor1D;
  /** Each model's large-eps examples of x. */
  examples: Record<string, tf.Tensor4D>;
  labels: number[];
  eps: number;
  steps: number;
}

/**
 * Figure 3's examples: each of the test images `indices` towards every class, by targeted l2 PGD with a
 * budget far beyond training (`eps`, `steps` steps of 2.5 eps / steps), against each feature model.
 */
export function largeEpsAttack(ch: ImageChapter, indices: number[], opts: { eps: number; steps: number }): LargeEps {
  const some = testImages(ch, indices);
  const batch = towardsEachClass(some.x, ch.spec.classes);
  const examples = Object.fromEntries(Object.entries(featureModels(ch)).map(([name, m]) =>
    [name, largeEpsExamples(m, batch.x, batch.targets, { threat: 'l2', eps: opts.eps, steps: opts.steps })]));
  const labels = Array.from(some.y.dataSync());
  tf.dispose([some.x, some.y]);
  return { x: batch.x, targets: batch.targets, examples, labels, eps: opts.eps, steps: opts.steps };
}

/** Figure 3: one grid per model, each image (row) towards each class (column), with the model's prediction. */
export async function largeEpsFigures(ch: ImageChapter, large: LargeEps): Promise<Buffer[]> {
  const targets = Array.from(large.targets.dataSync());
  const grids: Buffer[] = [];
  for (const [name, m] of Object.entries(featureModels(ch))) {
    grids.push(await figures.largeEpsGrid(large.examples[name], targets, m,
      `${name} model: targeted ℓ2 PGD, ε ${large.eps}, ${large.steps} steps (${large.labels.length} test ${ch.spec.noun}s × ${ch.spec.classes} targets)`, { classNames: ch.spec.classNames }));
  }
  return grids;
}

/** Figure 4: for each model, the frames from image `image` of Figure 3 to its example towards `target`. */
export async function interpolationFigures(ch: ImageChapter, large: LargeEps, opts: { image: number; target: number; frames: number }): Promise<Buffer[]> {
  const row = opts.image * ch.spec.classes + opts.target;
  const cls = (c: number) => className(c, ch.spec.classNames);
  const grids: Buffer[] = [];
  for (const [name, m] of Object.entries(featureModels(ch))) {
    const frames = interpolationRow(large.x, large.examples[name], row, opts.frames);
    const title = `${name} model: a test ${ch.spec.noun} of class ${cls(large.labels[opts.image])} towards ${cls(opts.target)}, ${opts.frames} frames`;
    grids.push(await figures.interpolationGrid(frames, m, title, { classNames: ch.spec.classNames, cols: Math.ceil(opts.frames / 2) }));
    frames.dispose();
  }
  return grids;
}

/**
 * The epsilon explorer: the first `images` test images offered, the data set's explorer pair attacked
 * live in the page from l_inf `eps` (PGD-20).
 */
export async function explorerSection(ch: ImageChapter, opts: { images: number; eps: number }): Promise<string> {
  const n = Math.min(opts.images, ch.testSet.n);
  const strip = testImages(ch, Array.from({ length: n }, (_, i) => i));
  try {
    return await explorerHtml(figureModels(ch.spec.name, 'explorer', ch.models), strip.x, strip.y, {
      threat: 'linf', eps: opts.eps, steps: 20, classNames: ch.spec.classNames, ranges: ch.spec.explorer.ranges,
      title: `PGD against each model, live in this page (${n} test ${ch.spec.noun}s to choose from)`,
    });
  } finally {
    tf.dispose([strip.x, strip.y]);
  }
}
