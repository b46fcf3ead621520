// The architectures we train, by the name a recipe or `--model` gives: MNIST's two CNNs and ResNet-9
// at any width for CIFAR-10 ('resnet9-16' is width 16).
import * as tf from '@tensorflow/tfjs';
import { mnistCnn, MNIST_ARCHITECTURES, MnistArchitecture } from './mnist';
import { resnet9 } from './resnet9';

export interface Architecture {
  name: string;
  /** The name of the data set whose images it takes ([N, 28, 28, 1] for 'mnist', [N, 32, 32, 3] for 'cifar10'). */
  dataset: string;
  /** For tables: 'MadryLab CNN (3.3M)'. */
  description: string;
  build(seed: number): tf.LayersModel;
}

const MNIST_DESCRIPTIONS: Record<MnistArchitecture, string> = { madry: 'MadryLab CNN (3.3M)', small: 'small CNN (0.2M)' };

/** ResNet-9's parameter count at width c: its convolutions, batch norms and head. */
function resnet9Parameters(c: number): number {
  const convs = 9 * (3 * c + c * 2 * c + 2 * (2 * c) ** 2 + 2 * c * 4 * c + 4 * c * 8 * c + 2 * (8 * c) ** 2);
  const bn = 2 * (c + 2 * c * 3 + 4 * c + 8 * c * 3);
  return convs + bn + 8 * c * 10;
}

export function architecture(name: string): Architecture {
  if (name in MNIST_ARCHITECTURES) {
    const arch = name as MnistArchitecture;
    return { name, dataset: 'mnist', description: MNIST_DESCRIPTIONS[arch], build: (seed) => mnistCnn(arch, seed) };
  }
  const m = /^resnet9-(\d+)$/.exec(name);
  if (m && +m[1] >= 1) {
    const width = +m[1];
    return {
      name, dataset: 'cifar10', description: `ResNet-9, width ${width} (${(resnet9Parameters(width) / 1e6).toFixed(1)}M)`,
      build: (seed) => resnet9(width, { seed }),
    };
  }
  throw new Error(`unknown architecture '${name}': use ${Object.keys(MNIST_ARCHITECTURES).join(' or ')} (MNIST), or resnet9-W for ResNet-9 at base width W (CIFAR-10, e.g. resnet9-16)`);
}
