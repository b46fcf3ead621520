// The convnet of MadryLab's mnist_challenge (two 5x5 convolutions, each with a 2x2 max-pool, then two
// dense layers), and a narrower variant for the eps_train grid, tests and quick runs. Built for any
// input whose sides divide by 4; MNIST's [28, 28, 1] and 10 classes by default.
import * as tf from '@tensorflow/tfjs';
import type { ImageInput } from './classifier';

export const CNN_WIDTHS = {
  /** conv 5x5x32, pool, conv 5x5x64, pool, dense 1024, dense 10: 3.3M parameters on MNIST. */
  madry: { conv1: 32, conv2: 64, hidden: 1024 },
  /** The same shape at 16 / 32 / 128: 0.2M parameters on MNIST. */
  small: { conv1: 16, conv2: 32, hidden: 128 },
};

export type CnnName = keyof typeof CNN_WIDTHS;

const MNIST_INPUT: ImageInput = { shape: [28, 28, 1], classes: 10 };

/** x [N, H, W, C] in [0, 1] -> logits [N, classes]. `seed` makes the initial weights reproducible. */
export function madryCnn(name: CnnName = 'madry', seed = 0, input: ImageInput = MNIST_INPUT): tf.Sequential {
  const spec = CNN_WIDTHS[name];
  if (!spec) throw new Error(`unknown CNN '${name}': use ${Object.keys(CNN_WIDTHS).join(' or ')}`);
  const [h, w] = input.shape;
  if (h % 4 || w % 4) throw new Error(`the CNN pools twice by 2: its input's sides must divide by 4, got [${input.shape}]`);
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  return tf.sequential({
    name: `mnist_${name}`,
    layers: [
      tf.layers.conv2d({ inputShape: input.shape, filters: spec.conv1, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: spec.conv2, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: spec.hidden, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dense({ units: input.classes, kernelInitializer: init() }),
    ],
  });
}
