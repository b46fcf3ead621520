// How each MNIST model we ship was trained: one place that `npm run train -- --recipe NAME`, the
// notebook's full profile and data/models/mnist/README.md all read.
import { madryStepSize } from '../attacks/pgd';
import type { MnistArchitecture } from '../models/mnist';
import type { AdversarialSpec } from './loop';
import type { OptimizerSpec } from './optimizer';

export interface Recipe {
  name: string;
  architecture: MnistArchitecture;
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerSpec;
  /** Standard training when absent. */
  adversarial?: AdversarialSpec;
}

/** PGD-K with Madry et al.'s step size, to three digits so that the command line can say it. */
const pgd = (threat: 'linf' | 'l2', eps: number, steps: number): AdversarialSpec => ({ threat, eps, steps, stepSize: +madryStepSize(eps, steps).toPrecision(3) });

const small = (name: string, adversarial?: AdversarialSpec): Recipe => ({
  name, architecture: 'small', epochs: adversarial ? 2 : 3, batchSize: 50, seed: 0, adversarial,
  optimizer: { name: 'adam', lr: 1e-3, milestones: [adversarial ? 1 : 2] },
});

/**
 * At the larger eps_train the small network, attacked at full eps from its first step, collapsed to
 * predicting one class (11.2% accuracy, we tried): these ramp eps up over the first epoch and train
 * one epoch longer.
 */
const smallWarm = (name: string, adversarial: AdversarialSpec): Recipe => ({
  ...small(name, { ...adversarial, warmupEpochs: 1 }), epochs: 3, optimizer: { name: 'adam', lr: 1e-3, milestones: [2] },
});

/**
 * The headline pair is MadryLab's CNN (3.3M parameters): standard, and l_inf eps 0.3 with PGD-10
 * instead of PGD-40 (a quarter of the cost, which is what fits a laptop). The eps_train grid of
 * Figure 7 uses the same network at a sixteenth of the width, so that seven models train in an hour.
 */
export const MNIST_RECIPES: Recipe[] = [
  { name: 'standard', architecture: 'madry', epochs: 4, batchSize: 50, seed: 0, optimizer: { name: 'adam', lr: 1e-3, milestones: [3] } },
  {
    name: 'linf-0.3', architecture: 'madry', epochs: 10, batchSize: 50, seed: 0,
    optimizer: { name: 'adam', lr: 3e-4, milestones: [8] }, adversarial: { threat: 'linf', eps: 0.3, steps: 10, stepSize: 0.03 },
  },
  small('small-standard'),
  small('small-linf-0.1', pgd('linf', 0.1, 7)),
  smallWarm('small-linf-0.2', pgd('linf', 0.2, 7)),
  smallWarm('small-linf-0.3', pgd('linf', 0.3, 7)),
  small('small-l2-1', pgd('l2', 1, 7)),
  small('small-l2-2', pgd('l2', 2, 7)),
  smallWarm('small-l2-3', pgd('l2', 3, 7)),
];

export function mnistRecipe(name: string): Recipe {
  const r = MNIST_RECIPES.find((x) => x.name === name);
  if (!r) throw new Error(`no MNIST recipe '${name}': choose from ${MNIST_RECIPES.map((x) => x.name).join(', ')}`);
  return r;
}

/** The `npm run train` options that a recipe stands for, as a person would type them. */
export function recipeFlags(r: Recipe): string {
  const o = r.optimizer;
  const a = r.adversarial;
  return [
    `--model ${r.architecture} --epochs ${r.epochs}`,
    a ? `--threat ${a.threat} --eps ${a.eps} --steps ${a.steps} --step-size ${a.stepSize}${a.warmupEpochs ? ` --warmup-epochs ${a.warmupEpochs}` : ''}` : '',
    `--optimizer ${o.name} --lr ${o.lr}`, o.milestones ? `--milestones ${o.milestones.join(',')}` : '',
    o.name === 'sgd' ? `--momentum ${o.momentum}` : '', `--batch-size ${r.batchSize} --seed ${r.seed}`,
  ].filter(Boolean).join(' ');
}

/** A recipe in words, for tables: 'ℓ∞ ε=0.3, PGD-10 of 0.03; Adam 0.0003, ×0.1 after epoch 8'. */
export function describeRecipe(r: Recipe): string {
  const a = r.adversarial;
  const o = r.optimizer;
  const attack = a ? `${a.threat === 'linf' ? 'ℓ∞' : 'ℓ2'} ε=${a.eps}, PGD-${a.steps} of ${a.stepSize}${a.warmupEpochs ? `, ε ramped up over ${a.warmupEpochs} epoch${a.warmupEpochs > 1 ? 's' : ''}` : ''}` : 'standard';
  const decay = o.milestones ? `, ×${o.gamma ?? 0.1} after epoch ${o.milestones.join(', ')}` : '';
  return `${attack}; ${o.name === 'adam' ? 'Adam' : `SGD (momentum ${o.momentum})`} ${o.lr}${decay}; batch ${r.batchSize}`;
}
