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
  /** The image chapters' sizes are their data set's (DatasetSpec.profiles); this is what only CIFAR-10's has. */
  cifar10: {
    /** Test images attacked for a MadryLab ResNet-50 given in the parameters: about 60 times a ResNet-9's work. */
    checkpointImages: number;
  };
}

const PROFILES: Record<Profile['name'], Profile> = {
  quick: { name: 'quick', theory: { monteCarlo: 10_000, svmTrain: 2_000, svmSteps: 300 }, cifar10: { checkpointImages: 50 } },
  full: { name: 'full', theory: { monteCarlo: 100_000, svmTrain: 10_000, svmSteps: 1_000 }, cifar10: { checkpointImages: 1_000 } },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as Profile['name'][];

export function getProfile(name: string): Profile {
  const profile = PROFILES[name as Profile['name']];
  if (!profile) throw new Error(`profile must be one of ${Object.keys(PROFILES).join(', ')}, got '${name}'`);
  return profile;
}
