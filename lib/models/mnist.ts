// The MNIST convnet of MadryLab's mnist_challenge, and a small variant for tests and quick runs.
import * as tf from '@tensorflow/tfjs';

export const MNIST_ARCHITECTURES = {
  /** conv 5x5x32, pool, conv 5x5x64, pool, dense 1024, dense 10: 3.3M parameters. */
  madry: { conv1: 32, conv2: 64, hidden: 1024 },
  /** The same shape at 16 / 32 / 128: 0.2M parameters. */
  small: { conv1: 16, conv2: 32, hidden: 128 },
};

export type MnistArchitecture = keyof typeof MNIST_ARCHITECTURES;

/** x [N, 28, 28, 1] in [0, 1] -> logits [N, 10]. `seed` makes the initial weights reproducible. */
export function mnistCnn(arch: MnistArchitecture = 'madry', seed = 0): tf.Sequential {
  const spec = MNIST_ARCHITECTURES[arch];
  if (!spec) throw new Error(`unknown MNIST architecture '${arch}': use ${Object.keys(MNIST_ARCHITECTURES).join(' or ')}`);
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  return tf.sequential({
    name: `mnist_${arch}`,
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: spec.conv1, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: spec.conv2, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: spec.hidden, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dense({ units: 10, kernelInitializer: init() }),
    ],
  });
}
