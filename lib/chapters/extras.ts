// What only one image chapter has: MNIST's Figure 1 (accuracy against the size of the training set),
// and CIFAR-10's MadryLab ResNet-50s (a robustness-library checkpoint beside our models, and the
// library's published numbers beside ours).
import * as path from 'path';
import { formatEps, normSymbol } from '../attacks/threat';
import { loadDataset } from '../data/datasets';
import { readCsv } from '../io/csv';
import { Classifier } from '../models/classifier';
import { loadRobustResNet, PublishedModel, PUBLISHED_CIFAR10_MODELS } from '../models/published';
import type { ResNet } from '../models/resnet';
import * as figures from '../plots/chapter-figures';
import type { Figure } from '../plots/figure';
import { downloadProgress } from '../progress';
import { EpsTrainPoint } from '../zoo/chapter';
import { MNIST_TRAIN_SIZE, trainSizeSweep, TrainSizeRow } from '../zoo/train-size';
import { modelsDir } from '../zoo/zoo';
import { Accuracy, epsTrainImages, ImageChapter } from './image';

/**
 * Figure 1's rows: the 15 trainings of MNIST_TRAIN_SIZE, rerun (resuming) where the profile trains, or
 * else the CSV of our run that ships in data/models/mnist/.
 */
export async function trainSizeRows(ch: ImageChapter): Promise<TrainSizeRow[]> {
  if (!ch.sizes.train) return readCsv(path.join(modelsDir(ch.spec.name), 'train-size.csv')) as TrainSizeRow[];
  const trainSet = await loadDataset(ch.spec, 'train', { onProgress: downloadProgress(ch.onProgress) });
  return trainSizeSweep(MNIST_TRAIN_SIZE, trainSet, ch.testSet, ch.outDir, ch.onProgress);
}

export interface Published {
  /** The checkpoint's network under its name, or none. */
  models: Record<string, Classifier>;
  checkpoint: ResNet | null;
  markdown: string;
}

/**
 * A robustness-library CIFAR-10 checkpoint (path or URL; '' for none), loaded to stand beside our models;
 * the markdown says what was loaded, or which checkpoints can be.
 */
export async function loadPublished(ch: ImageChapter, pathOrUrl: string): Promise<Published> {
  if (!pathOrUrl) {
    const list = PUBLISHED_CIFAR10_MODELS.map((m) => `* \`${m.name}\` (${m.threat ? `${m.threat === 'linf' ? 'ℓ∞' : 'ℓ2'} ε = ${m.threat === 'linf' ? '8/255' : m.eps}` : 'standard'}): <${m.url}>`).join('\n');
    return {
      models: {}, checkpoint: null,
      markdown: `**No MadryLab checkpoint is set**, so this run shows our models only. Set \`madryCheckpoint\` in the parameters cell to a file or URL, one of:\n\n${list}\n\nand run \`npm run notebooks -- 03-cifar10 --set madryCheckpoint=<path or URL>\`. A URL is downloaded once into \`data/cache/models/\`.`,
    };
  }
  const r = await loadRobustResNet(pathOrUrl, downloadProgress(ch.onProgress));
  if (r.variant !== 'cifar' || r.classes !== ch.spec.classes) {
    r.dispose();
    throw new Error(`${pathOrUrl} is a ${r.variant} ResNet with ${r.classes} classes, not a ${ch.spec.title} one`);
  }
  const name = `MadryLab ${path.basename(pathOrUrl).replace(/\?.*$/, '').replace(/\.pt$/, '')}`;
  return {
    models: { [name]: r.model }, checkpoint: r,
    markdown: `Loaded \`${pathOrUrl}\`: ResNet-50 (CIFAR variant), ${r.blocks.join('-')} bottlenecks, stem width ${r.width}.`,
  };
}

/** The robustness library's README reports its CIFAR-10 models' accuracies on the whole test set. */
const PUBLISHED_TEST_IMAGES = 10_000;

/** Figure 7 with the robustness library's published ResNet-50s beside ours (dashed). */
export function epsTrainFigureWithPublished(_ch: ImageChapter, points: EpsTrainPoint[], published: PublishedModel[] = PUBLISHED_CIFAR10_MODELS): Figure {
  return figures.epsTrainFigure(points, epsTrainImages(points), { name: 'robustness library, ResNet-50 (published)', points: figures.publishedPoints(published), n: PUBLISHED_TEST_IMAGES });
}

/** Ours beside the robustness library's: standard accuracy and robust accuracy at eps_train, per eps_train. */
export function tradeoffSection(_ch: ImageChapter, points: EpsTrainPoint[], acc: Accuracy, published: PublishedModel[] = PUBLISHED_CIFAR10_MODELS): string {
  return `Ours (standard: n = ${epsTrainImages(points)} test images; robust: PGD-${acc.steps} on n = ${acc.n}) beside the robustness library's ResNet-50s (n = 10,000 test images, PGD-20), each with its 95% interval in brackets:\n\n${figures.tradeoffTable(points, acc.curves, published, 'robustness library', { standard: epsTrainImages(points), published: PUBLISHED_TEST_IMAGES })}${costSentence(points, published)}`;
}

/**
 * What robustness costs in standard accuracy, ours beside theirs, at each eps_train both have: the
 * standard model's accuracy minus the robust one's, in points, from this run's numbers.
 */
function costSentence(points: EpsTrainPoint[], published: PublishedModel[]): string {
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
  const ours0 = points.find((p) => p.eps_train === 0);
  const theirs0 = published.find((m) => !m.threat && m.stdAcc !== undefined);
  if (!ours0 || !theirs0) return '';
  const costs = published.filter((m) => m.threat && m.stdAcc !== undefined).flatMap((m) => {
    const ours = points.find((p) => p.threat === m.threat && near(p.eps_train, m.eps ?? 0));
    return ours ? [`${normSymbol(m.threat!)} ${formatEps(m.eps ?? 0)}: ${(100 * (ours0.std_acc - ours.std_acc)).toFixed(1)} points for ours, ${(100 * (theirs0.stdAcc! - m.stdAcc!)).toFixed(1)} for theirs`] : [];
  });
  return costs.length ? `\n\nWhat robustness costs in standard accuracy (the standard model's minus the robust one's): ${costs.join('; ')}.` : '';
}
