// The architectures we train, by the name a recipe or `--model` gives: MadryLab's MNIST CNN and its
// small variant, and ResNet-9 at any width ('resnet9-16' is width 16). Each builds for the input of the
// data set it trains on; a data set lists the families it trains (DatasetSpec.architectures).
import * as tf from '@tensorflow/tfjs';
import type { ImageInput } from './classifier';
import { CNN_WIDTHS, CnnName, madryCnn } from './cnn';
import { resnet9 } from './resnet9';

export interface Architecture {
  name: string;
  /** 'madry', 'small' or 'resnet9': what `--model` names, and what a data set lists. */
  family: string;
  /** For tables: 'MadryLab CNN (3.3M)' (the count on the input it was designed for). */
  description: string;
  /** The network for `input` (default: MNIST's [28, 28, 1] for the CNNs, CIFAR-10's [32, 32, 3] for ResNet-9, 10 classes). */
  build(seed: number, input?: ImageInput): tf.LayersModel;
}

const CNN_DESCRIPTIONS: Record<CnnName, string> = { madry: 'MadryLab CNN (3.3M)', small: 'small CNN (0.2M)' };

/** ResNet-9's parameter count at width c: its convolutions, batch norms and head. */
function resnet9Parameters(c: number): number {
  const convs = 9 * (3 * c + c * 2 * c + 2 * (2 * c) ** 2 + 2 * c * 4 * c + 4 * c * 8 * c + 2 * (8 * c) ** 2);
  const bn = 2 * (c + 2 * c * 3 + 4 * c + 8 * c * 3);
  return convs + bn + 8 * c * 10;
}

export function architecture(name: string): Architecture {
  if (name in CNN_WIDTHS) {
    const cnn = name as CnnName;
    return { name, family: cnn, description: CNN_DESCRIPTIONS[cnn], build: (seed, input) => madryCnn(cnn, seed, input) };
  }
  const m = /^resnet9-(\d+)$/.exec(name);
  if (m && +m[1] >= 1) {
    const width = +m[1];
    return {
      name, family: 'resnet9', description: `ResNet-9, width ${width} (${(resnet9Parameters(width) / 1e6).toFixed(1)}M)`,
      build: (seed, input) => resnet9(width, { seed, ...(input ? { inputShape: input.shape, classes: input.classes } : {}) }),
    };
  }
  throw new Error(`unknown architecture '${name}': use ${Object.keys(CNN_WIDTHS).join(' or ')}, or resnet9-W for ResNet-9 at base width W (e.g. resnet9-16)`);
}
