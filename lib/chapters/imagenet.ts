// The ImageNet chapter (04): the paper's Section 3 figures (2-4) on Restricted ImageNet, one function per
// section. The figures are the image chapters' own (lib/plots/chapter-figures.ts) with the superclasses' names, drawn
// as JPEG thumbnails of the 224 x 224 photos; what differs is the models (MobileNet, shipped, and a
// robustness-library ResNet-50 by path or URL) and the photos (one per superclass, embedded).
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { interpolationRow, largeEpsExamples } from '../attacks/large-eps';
import { Norm, normSymbol } from '../attacks/threat';
import { batchTensors } from '../data/dataset';
import { listImageFolder, SUPERCLASS_NAMES, superclassLabels } from '../data/imagenet';
import { imageDataset } from '../data/images';
import type { Classifier } from '../models/classifier';
import { loadMobileNetV1, MobileNet } from '../models/mobilenet';
import { loadRobustResNet, PUBLISHED_IMAGENET_MODELS } from '../models/published';
import { restrictedImagenet } from '../models/restricted';
import type { ResNet } from '../models/resnet';
import * as figures from '../plots/chapter-figures';
import { photosGrid } from '../plots/imagenet-figures';
import { ROOT } from '../paths';
import { downloadProgress, notebookProgress, OnProgress } from '../progress';

/** Thumbnail sizes in the handout: the grids of Figures 2 and 3, and Figure 4's frames. */
const THUMB = 112;
const FRAME = 96;
const PHOTOS = (n: number) => ({ thumb: THUMB, format: 'jpeg' as const, scale: 1, cols: n });

export interface ImagenetChapter {
  /** The photos [N, 224, 224, 3] in [0, 1], and their Restricted ImageNet superclasses [N]. */
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** The standard model (MobileNet) and, when a checkpoint is set, the robust one: 9-class classifiers. */
  models: Record<string, Classifier>;
  mobilenet: MobileNet;
  robust: ResNet | null;
  /** What was loaded, or which checkpoints can be. */
  markdown: string;
}

/**
 * The chapter: the first `images` embedded photos (or those of `photosDir`) labelled by superclass, the
 * shipped MobileNet as the standard model, and the robustness-library checkpoint `robustCheckpoint`
 * (path or URL; '' for none) as the robust one.
 */
export async function openImagenet(opts: { images: number; robustCheckpoint: string; photosDir?: string; onProgress?: OnProgress }): Promise<ImagenetChapter> {
  const photos = await imageDataset(listImageFolder(opts.photosDir ?? path.join(ROOT, 'data', 'samples', 'imagenet')).slice(0, opts.images), 'restricted-imagenet-samples');
  const { x, y: imagenetLabels } = batchTensors(photos, Array.from({ length: photos.n }, (_, i) => i));
  imagenetLabels.dispose();
  const y = tf.tensor1d(superclassLabels(photos.labels), 'int32');
  const mobilenet = loadMobileNetV1(path.join(ROOT, 'data', 'models', 'mobilenet_v1_0.25_224'));
  const models: Record<string, Classifier> = { standard: restrictedImagenet(mobilenet.model) };
  if (!opts.robustCheckpoint) {
    const list = PUBLISHED_IMAGENET_MODELS.map((m) => `* ${m.name}: <${m.url}>`).join('\n');
    return {
      x, y, models, mobilenet, robust: null,
      markdown: `**No robust checkpoint is set**, so this handout shows the standard model only. Set \`robustCheckpoint\` in the parameters cell to a file or URL, for example one of:\n\n${list}\n\nand run \`npm run notebooks -- 04-imagenet --set robustCheckpoint=<path or URL>\`. A URL is downloaded once into \`data/cache/models/\`.`,
    };
  }
  const robust = await loadRobustResNet(opts.robustCheckpoint, downloadProgress(opts.onProgress ?? notebookProgress()));
  models.robust = restrictedImagenet(robust.model);
  return { x, y, models, mobilenet, robust, markdown: `Loaded \`${opts.robustCheckpoint}\` as the robust model: ResNet-50 (${robust.variant} layout), ${robust.blocks.join('-')} bottlenecks, ${robust.classes} classes.` };
}

/** The photos with their superclass and each model's prediction. */
export function photosFigure(ch: ImagenetChapter): Promise<Buffer> {
  return photosGrid(ch.x, ch.y, ch.models);
}

/** Figure 2: each model's loss gradient for the true superclass, made visible, under the photos. */
export function gradientsFigure(ch: ImagenetChapter): Promise<Buffer> {
  return figures.gradientsGrid(ch.x, ch.y, ch.models, { what: 'photo', ...PHOTOS(ch.x.shape[0]) });
}

/** A large-eps attack's budget: eps in `steps` steps of `stepSize`. */
export interface Budget { eps: number; steps: number; stepSize: number }

export interface ImagenetLargeEps {
  /** Each photo's target: the next superclass, (y + 1) mod 9. */
  targets: tf.Tensor1D;
  /** Each model's examples under each threat, by '<model> <threat>' ('standard l2'). */
  examples: Record<string, tf.Tensor4D>;
  /** One grid per model and threat, in that order: the photos, and their examples with the model's prediction. */
  grids: Buffer[];
}

/** Figure 3: each photo pushed towards the next superclass by targeted PGD with each budget (by threat), against each model. */
export async function largeEpsFigures(ch: ImagenetChapter, budgets: Partial<Record<Norm, Budget>>): Promise<ImagenetLargeEps> {
  const targetIds = Array.from(ch.y.dataSync(), (c) => (c + 1) % SUPERCLASS_NAMES.length);
  const targets = tf.tensor1d(targetIds, 'int32');
  const examples: Record<string, tf.Tensor4D> = {};
  const grids: Buffer[] = [];
  for (const [name, model] of Object.entries(ch.models)) {
    for (const [threat, b] of Object.entries(budgets) as [Norm, Budget][]) {
      const started = Date.now();
      const xAdv = examples[`${name} ${threat}`] = largeEpsExamples(model, ch.x, targets, { threat, ...b });
      const seconds = (Date.now() - started) / 1000;
      const title = `${name} model, targeted ${normSymbol(threat)} PGD, ε ${b.eps}, ${b.steps} steps of ${b.stepSize}: ${(ch.x.shape[0] / seconds).toFixed(2)} images/s (${(ch.x.shape[0] * b.steps / seconds).toFixed(1)} image-steps/s)`;
      grids.push(await figures.largeEpsGrid(xAdv, targetIds, model, title, { classNames: SUPERCLASS_NAMES, originals: ch.x, ...PHOTOS(ch.x.shape[0]) }));
    }
  }
  return { targets, examples, grids };
}

/** Figure 4: for each model, `frames` images on the line from photo `image` to its example under `threat` (Figure 3's). */
export async function interpolationFigures(ch: ImagenetChapter, large: ImagenetLargeEps, opts: { threat: Norm; image: number; frames: number }): Promise<Buffer[]> {
  const grids: Buffer[] = [];
  const target = SUPERCLASS_NAMES[large.targets.dataSync()[opts.image]];
  for (const [name, model] of Object.entries(ch.models)) {
    const examples = large.examples[`${name} ${opts.threat}`];
    if (!examples) throw new Error(`Figure 3 has no ${opts.threat} examples of the ${name} model: attack with that threat first`);
    const row = interpolationRow(ch.x, examples, opts.image, opts.frames);
    const title = `${name} model: photo ${opts.image} (${SUPERCLASS_NAMES[ch.y.dataSync()[opts.image]]}) to its ${normSymbol(opts.threat)} example towards ${target}, ${opts.frames} frames`;
    grids.push(await figures.interpolationGrid(row, model, title, { classNames: SUPERCLASS_NAMES, thumb: FRAME, format: 'jpeg', scale: 1, cols: Math.ceil(opts.frames / 2) }));
    row.dispose();
  }
  return grids;
}
