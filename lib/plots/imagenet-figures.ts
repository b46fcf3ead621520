// The figures of the ImageNet chapter (the paper's Figures 2, 3 and 4) as labelled image grids.
import * as tf from '@tensorflow/tfjs';
import { RESTRICTED_IMAGENET, superclassOf } from '../data/imagenet';
import { Classifier, topClass } from '../models/classifier';
import { imageGrid, tensorImages } from './grid';
import { inputGradients, visibleGradients } from './gradients';

const names = (ids: ArrayLike<number>) => Array.from(ids, (i) => RESTRICTED_IMAGENET[i].name);

/** Predicted superclass and its probability, per image: 'cat 87%'. */
export function predictions(model: Classifier, x: tf.Tensor4D): string[] {
  const { classes, confidences } = topClass(model, x);
  return classes.map((c, i) => `${RESTRICTED_IMAGENET[c].name} ${(100 * confidences[i]).toFixed(0)}%`);
}

/** Photos with their true superclass and each model's prediction. */
export async function photosGrid(x: tf.Tensor4D, y: tf.Tensor1D, models: Record<string, Classifier>, thumb = 160): Promise<Buffer> {
  const truth = names(y.dataSync());
  const preds = Object.entries(models).map(([name, m]) => [name, predictions(m, x)] as const);
  const labels = truth.map((t, i) => [`true: ${t}`, ...preds.map(([name, p]) => `${name}: ${p[i]}`)].join('\n'));
  return imageGrid(await tensorImages(x, thumb), { labels, cols: Math.min(5, x.shape[0]), title: 'Restricted ImageNet samples, with each model\'s prediction', format: 'jpeg' });
}

/** Figure 2: each model's loss gradient for the true label, made visible, under the photos. */
export async function gradientsGrid(x: tf.Tensor4D, y: tf.Tensor1D, models: Record<string, Classifier>, thumb = 112): Promise<Buffer> {
  const rows = [x, ...Object.values(models).map((m) => {
    const g = inputGradients(m, x, y);
    const v = visibleGradients(g);
    g.dispose();
    return v;
  })];
  const all = tf.concat(rows);
  const labels = ['photo', ...Object.keys(models).map((n) => `∇ ${n}`)].flatMap((r) => Array(x.shape[0]).fill(r));
  const png = imageGrid(await tensorImages(all, thumb), { labels, cols: x.shape[0], title: 'Loss gradients with respect to the input (clipped at 3 std)', format: 'jpeg' });
  tf.dispose([...rows.slice(1), all]);
  return png;
}

/** Figure 3: the photos and their large-eps adversarial versions, labelled with target and prediction. */
export async function adversarialGrid(x: tf.Tensor4D, xAdv: tf.Tensor4D, targets: tf.Tensor1D, model: Classifier, title: string, thumb = 112): Promise<Buffer> {
  const preds = predictions(model, xAdv);
  const labels = [...names(targets.dataSync()).map((t) => `target ${t}`), ...preds.map((p) => `→ ${p}`)];
  const both = tf.concat([x, xAdv]);
  const png = imageGrid(await tensorImages(both, thumb), { labels, cols: x.shape[0], title, format: 'jpeg' });
  both.dispose();
  return png;
}

/** Figure 4: frames from x to x_adv, one row. */
export async function interpolationGrid(frames: tf.Tensor4D, title: string, thumb = 96): Promise<Buffer> {
  const n = frames.shape[0];
  return imageGrid(await tensorImages(frames, thumb), { labels: Array.from({ length: n }, (_, k) => `${k}/${n - 1}`), cols: Math.ceil(n / 2), title, format: 'jpeg' });
}

/** The Restricted ImageNet superclass of an ImageNet class, for labels; photos outside all nine are an error. */
export function superclassIndex(imagenetIndex: number): number {
  const s = superclassOf(imagenetIndex);
  if (s < 0) throw new Error(`ImageNet class ${imagenetIndex} is in no Restricted ImageNet superclass`);
  return s;
}
