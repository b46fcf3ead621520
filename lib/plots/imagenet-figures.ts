// What only the ImageNet chapter draws: its photos with each model's prediction. Figures 2, 3 and 4 are
// the image chapters' own (chapter-figures.ts), with Restricted ImageNet's class names and thumbnails.
import * as tf from '@tensorflow/tfjs';
import { SUPERCLASS_NAMES } from '../data/imagenet';
import { Classifier } from '../models/classifier';
import { predictions } from './chapter-figures';
import { imageGrid, tensorImages } from './grid';

/** Photos with their true superclass and each model's prediction. */
export async function photosGrid(x: tf.Tensor4D, y: tf.Tensor1D, models: Record<string, Classifier>, thumb = 160): Promise<Buffer> {
  const truth = Array.from(y.dataSync(), (c) => SUPERCLASS_NAMES[c]);
  const preds = Object.entries(models).map(([name, m]) => [name, predictions(m, x, SUPERCLASS_NAMES)] as const);
  const labels = truth.map((t, i) => [`true: ${t}`, ...preds.map(([name, p]) => `${name}: ${p[i]}`)].join('\n'));
  return imageGrid(await tensorImages(x, thumb), { labels, cols: Math.min(5, x.shape[0]), title: 'Restricted ImageNet samples, with each model\'s prediction', format: 'jpeg' });
}
