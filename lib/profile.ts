// How big a run is. `quick` is what `npm start` and a lecture use; `full` reproduces the paper's scale.

import { CIFAR10 } from './data/cifar10';
import { MNIST } from './data/mnist';
import type { ChapterSizes } from './data/spec';

export interface Profile {
  name: 'quick' | 'full';
  theory: {
    /** Samples for Monte Carlo estimates of accuracy. */
    monteCarlo: number;
    /** Training samples for the SVMs of Theorem 2.2. */
    svmTrain: number;
    /** Gradient steps per SVM. */
    svmSteps: number;
  };
  /** The image chapters' sizes are their data set's (DatasetSpec.profiles), and what only one chapter has. */
  mnist: ChapterSizes & {
    /** Rerun Figure 1's 15 trainings, or read the CSV of our run. */
    trainSizeSweep: boolean;
  };
  cifar10: ChapterSizes & {
    /** Test images attacked for a MadryLab ResNet-50 given in the parameters: about 60 times a ResNet-9's work. */
    checkpointImages: number;
  };
}

const PROFILES: Record<Profile['name'], Profile> = {
  quick: {
    name: 'quick', theory: { monteCarlo: 10_000, svmTrain: 2_000, svmSteps: 300 },
    mnist: { ...MNIST.profiles.quick, trainSizeSweep: false },
    cifar10: { ...CIFAR10.profiles.quick, checkpointImages: 50 },
  },
  full: {
    name: 'full', theory: { monteCarlo: 100_000, svmTrain: 10_000, svmSteps: 1_000 },
    mnist: { ...MNIST.profiles.full, trainSizeSweep: true },
    cifar10: { ...CIFAR10.profiles.full, checkpointImages: 1_000 },
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as Profile['name'][];

export function getProfile(name: string): Profile {
  const profile = PROFILES[name as Profile['name']];
  if (!profile) throw new Error(`profile must be one of ${Object.keys(PROFILES).join(', ')}, got '${name}'`);
  return profile;
}
