// How each model we ship was trained, per data set: one place that `npm run train -- --recipe NAME`,
// the notebooks' full profiles and the READMEs in data/models/<dataset>/ all read.
import { attackSpec, describeAttack, fgsmSpec } from '../attacks/spec';
import { formatEps, Norm } from '../attacks/threat';
import { Augmentation, CROPS_AND_FLIPS } from '../data/augment';
import { datasetSpec } from '../data/datasets';
import { architecture } from '../models/architectures';
import { AdversarialSpec, adversarialSpec } from '../train/loop';
import { oneCycle, OptimizerSpec } from '../train/optimizer';

export interface Recipe {
  name: string;
  /** An architecture of lib/models/architectures.ts ('madry', 'small', 'resnet9-16'): it fixes the data set. */
  architecture: string;
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerSpec;
  /** Standard training when absent. */
  adversarial?: AdversarialSpec;
  /** Random crops and flips of the training images; none when absent. */
  augmentation?: Augmentation;
}


/** PGD-K with Madry et al.'s step size, to three digits so that the command line can say it. */
function pgd(threat: Norm, eps: number, steps: number): AdversarialSpec {
  const a = attackSpec({ threat, eps, steps });
  return attackSpec({ ...a, stepSize: +a.stepSize.toPrecision(3) });
}

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
    optimizer: { name: 'adam', lr: 3e-4, milestones: [8] }, adversarial: attackSpec({ threat: 'linf', eps: 0.3, steps: 10, stepSize: 0.03 }),
  },
  small('small-standard'),
  small('small-linf-0.1', pgd('linf', 0.1, 7)),
  smallWarm('small-linf-0.2', pgd('linf', 0.2, 7)),
  smallWarm('small-linf-0.3', pgd('linf', 0.3, 7)),
  small('small-l2-1', pgd('l2', 1, 7)),
  small('small-l2-2', pgd('l2', 2, 7)),
  smallWarm('small-l2-3', pgd('l2', 3, 7)),
];

/**
 * CIFAR-10: ResNet-9 at width 16 on the 50,000 training images with random crops and flips, SGD
 * with Nesterov momentum and weight decay under a one-cycle learning rate (the DAWNBench protocol
 * of David Page, at batch 128).
 */
const cifar = (name: string, epochs: number, adversarial?: AdversarialSpec): Recipe => ({
  name, architecture: 'resnet9-16', epochs, batchSize: 128, seed: 0, adversarial, augmentation: CROPS_AND_FLIPS,
  optimizer: { name: 'sgd', lr: 0.2, momentum: 0.9, nesterov: true, weightDecay: 5e-4, piecewise: oneCycle(Math.round(epochs / 5), epochs) },
});

/** FGSM from a random start. Evaluate with PGD: a network trained this way can overfit to the single step. */
const fgsm = fgsmSpec;

export const CIFAR10_RECIPES: Recipe[] = [
  cifar('standard', 24),
  cifar('linf-2', 20, fgsm('linf', 2 / 255)),
  cifar('linf-4', 20, fgsm('linf', 4 / 255)),
  cifar('linf-8', 20, fgsm('linf', 8 / 255)),
  cifar('l2-0.25', 20, fgsm('l2', 0.25)),
  cifar('l2-0.5', 20, fgsm('l2', 0.5)),
  cifar('l2-1.0', 20, fgsm('l2', 1.0)),
];

const RECIPES = new Map<string, Recipe[]>();

/**
 * The recipes of the models a data set's chapter shows (and we ship, in data/models/<dataset>/): a
 * data set's recipes are registered with it (lib/data/README.md), here because recipes are about training.
 */
export function registerRecipes(dataset: string, recipes: Recipe[]): void {
  datasetSpec(dataset);
  if (RECIPES.has(dataset)) throw new Error(`the recipes of '${dataset}' are registered already`);
  const families = datasetSpec(dataset).architectures.families;
  const wrong = recipes.filter((r) => !families.includes(architecture(r.architecture).family));
  if (wrong.length) throw new Error(`${wrong.map((r) => `${r.name} (${r.architecture})`).join(', ')}: not architectures of ${dataset} (${families.join(', ')})`);
  RECIPES.set(dataset, recipes);
}

registerRecipes('mnist', MNIST_RECIPES);
registerRecipes('cifar10', CIFAR10_RECIPES);

/** A data set's recipes, in the order its chapter lists them. */
export function recipesOf(dataset: string): Recipe[] {
  const r = RECIPES.get(dataset);
  if (!r) throw new Error(`no recipes are registered for ${datasetSpec(dataset).title}`);
  return r;
}

/** The recipe `name` of a data set. */
export function recipe(dataset: string, name: string): Recipe {
  const r = recipesOf(dataset).find((x) => x.name === name);
  if (!r) throw new Error(`no ${datasetSpec(dataset).title} recipe '${name}': choose from ${recipesOf(dataset).map((x) => x.name).join(', ')}`);
  return r;
}

/** What a training run's config.json records of its protocol. */
export interface RunConfig {
  dataset: string; recipe: string; model: string; epochs: number; batchSize: number; seed: number; limit?: number;
  adversarial?: AdversarialSpec; optimizer: OptimizerSpec; augmentation?: Augmentation; backend?: string; n?: number;
}

/** The recipe a run's config.json describes (its attack checked, with the defaults of a config written before they were recorded). */
export function recipeOfRun(c: RunConfig): Recipe {
  return {
    name: c.recipe, architecture: c.model, epochs: c.epochs, batchSize: c.batchSize, seed: c.seed, optimizer: c.optimizer,
    ...(c.adversarial ? { adversarial: adversarialSpec(c.adversarial) } : {}), ...(c.augmentation ? { augmentation: c.augmentation } : {}),
  };
}

const PROTOCOL_FIELDS = ['architecture', 'epochs', 'batchSize', 'seed', 'optimizer', 'adversarial', 'augmentation'] as const;

/**
 * Where two recipes train differently, one line per field: 'batchSize: 50 (run) vs 128 (asked)'. The
 * name is not a difference; `ignore` leaves fields out (a resumed run may extend its epochs).
 */
export function protocolDifferences(a: Recipe, b: Recipe, labels: [string, string], ignore: string[] = []): string[] {
  // Keys sorted, so that the order an object was built in is no difference.
  const sorted = (_: string, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))) : v);
  const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v, sorted));
  return PROTOCOL_FIELDS.filter((f) => !ignore.includes(f) && show(a[f]) !== show(b[f]))
    .map((f) => `${f}: ${show(a[f])} (${labels[0]}) vs ${show(b[f])} (${labels[1]})`);
}

/** The `npm run train` options that a recipe stands for, as a person would type them. */
export function recipeFlags(dataset: string, r: Recipe): string {
  const o = r.optimizer;
  const a = r.adversarial;
  const resnet = /^resnet9-(\d+)$/.exec(r.architecture);
  return [
    `--dataset ${dataset}`, resnet ? `--model resnet9 --width ${resnet[1]}` : `--model ${r.architecture}`, `--epochs ${r.epochs}`,
    a ? `--threat ${a.threat} --eps ${a.eps} --steps ${a.steps} --step-size ${a.stepSize}${a.warmupEpochs ? ` --warmup-epochs ${a.warmupEpochs}` : ''}` : '',
    `--optimizer ${o.name} --lr ${o.lr}`, o.milestones ? `--milestones ${o.milestones.join(',')}` : '',
    o.piecewise ? `--lr-knots ${o.piecewise.map(([e, f]) => `${e}:${f}`).join(',')}` : '',
    o.name === 'sgd' ? `--momentum ${o.momentum}${o.nesterov ? ' --nesterov' : ''}` : '', o.weightDecay ? `--weight-decay ${o.weightDecay}` : '',
    r.augmentation ? `--augment` : '', `--batch-size ${r.batchSize} --seed ${r.seed}`,
  ].filter(Boolean).join(' ');
}

/** A recipe in words, for tables: 'ℓ∞ ε=0.3, PGD-10, step 0.03; Adam 0.0003, ×0.1 after epoch 8'. */
export function describeRecipe(r: Recipe): string {
  const a = r.adversarial;
  const o = r.optimizer;
  const attack = a ? `${describeAttack(adversarialSpec(a), formatEps)}${a.warmupEpochs ? `, ε ramped up over ${a.warmupEpochs} epoch${a.warmupEpochs > 1 ? 's' : ''}` : ''}` : 'standard';
  const decay = o.milestones ? `, ×${o.gamma ?? 0.1} after epoch ${o.milestones.join(', ')}` : '';
  const cycle = o.piecewise ? ` peak, piecewise linear through ${o.piecewise.map(([e, f]) => `${+(f * o.lr).toPrecision(3)} at epoch ${e}`).join(', ')}` : '';
  const sgd = o.name === 'sgd' ? `SGD (${o.nesterov ? 'Nesterov ' : ''}momentum ${o.momentum}${o.weightDecay ? `, weight decay ${o.weightDecay}` : ''})` : 'Adam';
  return `${attack}; ${sgd} ${o.lr}${decay}${cycle}; batch ${r.batchSize}${r.augmentation ? '; random crops and flips' : ''}`;
}
