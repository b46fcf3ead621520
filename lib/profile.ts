// How big a run is. `quick` is what `npm start` and a lecture use; `full` reproduces the paper's scale.

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
  mnist: {
    /** Train every model from its recipe (resuming), or read the ones we ship. */
    train: boolean;
    /** Test images: the 2,000 embedded ones, or the 10,000 of the test set (downloaded once). */
    testSplit: 'sample' | 'test';
    /** Test images attacked for the accuracy table and curves. */
    attackImages: number;
    /** PGD steps of those attacks. */
    pgdSteps: number;
    /** Rerun Figure 1's 15 trainings, or read the CSV of our run. */
    trainSizeSweep: boolean;
  };
  cifar10: {
    /** Train every recipe (resuming), or read the models we ship. */
    train: boolean;
    /** Test images: the 500 embedded ones, or the test set (10,000; the offline mirror's 1,017). */
    testSplit: 'sample' | 'test';
    /** Test images attacked for the accuracy table and curves. */
    attackImages: number;
    /** PGD steps of those attacks. */
    pgdSteps: number;
    /** Test images attacked for a MadryLab ResNet-50 given in the parameters: about 60 times a ResNet-9's work. */
    checkpointImages: number;
  };
}

const PROFILES: Record<Profile['name'], Profile> = {
  quick: {
    name: 'quick', theory: { monteCarlo: 10_000, svmTrain: 2_000, svmSteps: 300 },
    mnist: { train: false, testSplit: 'sample', attackImages: 250, pgdSteps: 20, trainSizeSweep: false },
    cifar10: { train: false, testSplit: 'sample', attackImages: 200, pgdSteps: 10, checkpointImages: 50 },
  },
  full: {
    name: 'full', theory: { monteCarlo: 100_000, svmTrain: 10_000, svmSteps: 1_000 },
    mnist: { train: true, testSplit: 'test', attackImages: 10_000, pgdSteps: 40, trainSizeSweep: true },
    cifar10: { train: true, testSplit: 'test', attackImages: 10_000, pgdSteps: 20, checkpointImages: 1_000 },
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as Profile['name'][];

export function getProfile(name: string): Profile {
  const profile = PROFILES[name as Profile['name']];
  if (!profile) throw new Error(`profile must be one of ${Object.keys(PROFILES).join(', ')}, got '${name}'`);
  return profile;
}
