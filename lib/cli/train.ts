// `npm run train`: standard or adversarial training from the command line, with checkpoints and resume.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { initBackend } from '../backend/init';
import { CROPS_AND_FLIPS } from '../data/augment';
import { datasetNames, datasetsTraining, datasetSpec, DatasetSpec, loadDataset } from '../data/datasets';
import { writeFileAtomic } from '../io/atomic';
import { readJsonFile } from '../io/json';
import { architecture } from '../models/architectures';
import { hasCheckpoint } from '../train/checkpoint';
import { AdversarialSpec, adversarialSpec, train } from '../train/loop';
import { OptimizerSpec } from '../train/optimizer';
import { attackSpec, fgsmSpec } from '../attacks/spec';
import { recipe as findRecipe, protocolDifferences, Recipe, recipeOfRun, RunConfig } from '../zoo/recipes';
import { recipeOptions } from '../zoo/zoo';
import { downloadProgress, terminalProgress } from '../progress';
import { count, int, num } from './args';

const TRAIN_USAGE = `usage: at-odds train --out DIR --dataset mnist|cifar10 --recipe NAME [--resume]   (the models we ship: data/models/<dataset>/README.md)
       at-odds train --out DIR --dataset mnist|cifar10 [--model madry|small|resnet9] [--width W] [--epochs N]
    [--threat linf|l2 --eps E --steps K --step-size S [--warmup-epochs W]]   (adversarial; standard without --eps)
    [--fgsm]                                  (one step of 1.25 eps from a random start: Wong, Rice and Kolter 2020)
    [--optimizer adam|sgd] [--lr LR] [--momentum M] [--nesterov] [--weight-decay WD]
    [--milestones E1,E2 | --lr-knots EPOCH:FACTOR,...] [--augment] [--batch-size B] [--seed S] [--limit N] [--resume]
  --dataset may be left out where --model or a resumed run names it; defaults: --model madry (mnist) or resnet9 --width 16 (cifar10); --epochs 1; --steps 40 --step-size 0.01;
            --optimizer adam --lr 0.0001 (sgd: --lr 0.1 --momentum 0.9); --batch-size 50 (mnist) or 128 (cifar10);
            --augment is on for cifar10 (random crops and flips); --seed 0`;

/** --lr-knots 0:0,5:1,24:0 */
function knots(v: string): [number, number][] {
  return v.split(',').map((k) => {
    const [e, f] = k.split(':');
    if (f === undefined) throw new Error(`--lr-knots takes EPOCH:FACTOR pairs separated by commas, got '${k}'`);
    return [num('lr-knots', e), num('lr-knots', f)];
  });
}

type Flags = Record<string, string | boolean | undefined>;

/** The architecture the flags name, or `base` where they name none. */
function architectureFromFlags(dataset: DatasetSpec, s: Record<string, string | undefined>, base: string): string {
  const baseWidth = /^resnet9-(\d+)$/.exec(base)?.[1];
  if (s.model === undefined && s.width === undefined) return base;
  if (s.model === undefined && !baseWidth) throw new Error('--width is for --model resnet9');
  const model = (s.model ?? 'resnet9') === 'resnet9' ? `resnet9-${count('width', s.width, baseWidth ? +baseWidth : 16)}` : s.model!;
  if (s.width !== undefined && !model.startsWith('resnet9')) throw new Error('--width is for --model resnet9');
  let arch;
  try {
    arch = architecture(model);
  } catch {
    throw new Error(`unknown ${dataset.title} architecture '${s.model}': use ${dataset.architectures.choices}`);
  }
  if (!dataset.architectures.families.includes(arch.family)) {
    const theirs = datasetsTraining(arch.family).map((d) => d.title).join(' or ');
    throw new Error(`--model ${s.model} is a${theirs ? ` ${theirs}` : 'nother data set\'s'} network: it cannot train on ${dataset.title} (use ${dataset.architectures.choices})`);
  }
  return model;
}

/** The training attack: `base`'s, changed where the flags say (FGSM from a random start with --fgsm). */
function adversarialFromFlags(s: Record<string, string | undefined>, fgsm: boolean, base: AdversarialSpec | undefined): AdversarialSpec | undefined {
  if (fgsm && (s.steps !== undefined || s['step-size'] !== undefined)) throw new Error('--fgsm fixes the attack (one step of 1.25 eps): drop --steps and --step-size');
  const eps = s.eps === undefined ? base?.eps : num('eps', s.eps);
  if (fgsm && eps === undefined) throw new Error('--fgsm needs --eps');
  if (eps === undefined) {
    if ((s.threat ?? s.steps ?? s['step-size'] ?? s['warmup-epochs']) !== undefined) throw new Error('--threat, --steps, --step-size and --warmup-epochs describe adversarial training: give --eps too (without it, training is standard)');
    return undefined;
  }
  const threat = s.threat ?? base?.threat ?? 'linf';
  const warmupEpochs = s['warmup-epochs'] === undefined ? base?.warmupEpochs : int('warmup-epochs', s['warmup-epochs']);
  const attack = fgsm ? fgsmSpec(threat, eps)
    : attackSpec({ threat, eps, steps: count('steps', s.steps, base?.steps ?? 40), stepSize: num('step-size', s['step-size'], base?.stepSize ?? 0.01) });
  return adversarialSpec({ ...attack, ...(warmupEpochs === undefined ? {} : { warmupEpochs }) });
}

/** The optimizer: `base`'s (or the defaults of the one named), changed where the flags say. */
function optimizerFromFlags(s: Record<string, string | undefined>, nesterov: boolean | undefined, base: OptimizerSpec | undefined): OptimizerSpec {
  const name = s.optimizer ?? base?.name ?? 'adam';
  if (name !== 'adam' && name !== 'sgd') throw new Error(`--optimizer must be adam or sgd, got '${s.optimizer}'`);
  if (s.milestones !== undefined && s['lr-knots'] !== undefined) throw new Error('--milestones and --lr-knots are two schedules: give one');
  if (nesterov && name !== 'sgd') throw new Error('--nesterov is for --optimizer sgd');
  const from: OptimizerSpec = base && base.name === name ? base : name === 'sgd' ? { name, lr: 0.1, momentum: 0.9 } : { name, lr: 1e-4 };
  const { milestones, piecewise, ...rest } = from;
  const schedule = s.milestones !== undefined ? { milestones: s.milestones.split(',').map((m) => int('milestones', m)) }
    : s['lr-knots'] !== undefined ? { piecewise: knots(s['lr-knots']) }
      : { ...(milestones ? { milestones } : {}), ...(piecewise ? { piecewise } : {}) };
  const decay = s['weight-decay'] === undefined ? {} : { weightDecay: num('weight-decay', s['weight-decay']) };
  if (rest.name === 'adam') return { ...rest, ...schedule, ...decay, lr: num('lr', s.lr, rest.lr) };
  return { ...rest, ...schedule, ...decay, lr: num('lr', s.lr, rest.lr), momentum: num('momentum', s.momentum, rest.momentum), ...(nesterov ? { nesterov: true } : {}) };
}

/**
 * The protocol the flags describe: `base` (a resumed run's own recipe) changed where they say, or for a
 * new run the defaults changed where they say.
 */
export function recipeFromFlags(dataset: DatasetSpec, v: Flags, base?: Recipe): Recipe {
  const s = v as Record<string, string | undefined>;
  const augment = v.augment ?? (base ? base.augmentation !== undefined : dataset.training.augmentation !== undefined);
  return {
    name: base?.name ?? 'custom',
    architecture: architectureFromFlags(dataset, s, base?.architecture ?? dataset.architectures.default),
    epochs: count('epochs', s.epochs, base?.epochs ?? 1),
    batchSize: count('batch-size', s['batch-size'], base?.batchSize ?? dataset.training.batchSize),
    seed: int('seed', s.seed, base?.seed ?? 0),
    adversarial: adversarialFromFlags(s, Boolean(v.fgsm), base?.adversarial),
    optimizer: optimizerFromFlags(s, v.nesterov as boolean | undefined, base?.optimizer),
    ...(augment ? { augmentation: base?.augmentation ?? dataset.training.augmentation ?? CROPS_AND_FLIPS } : {}),
  };
}

/** The one data set that trains the family `--model` names, if one does. */
function onlyDatasetTraining(model: string): string | undefined {
  const family = model === 'resnet9' ? model : (() => { try { return architecture(model).family; } catch { return undefined; } })();
  const ds = family ? datasetsTraining(family) : [];
  return ds.length === 1 ? ds[0].name : undefined;
}

const definedOnly = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function readRunConfig(out: string): RunConfig {
  return readJsonFile<RunConfig>(path.join(out, 'config.json'), 'the run holds checkpoints, but without its protocol it cannot be resumed: restore the file, or start again in another --out');
}

const PROTOCOL_FLAGS = ['model', 'width', 'epochs', 'threat', 'eps', 'steps', 'step-size', 'warmup-epochs', 'optimizer', 'lr', 'momentum', 'weight-decay', 'milestones', 'lr-knots', 'batch-size', 'seed'];
const PROTOCOL_SWITCHES = ['fgsm', 'nesterov', 'augment'];

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' }, out: { type: 'string' }, recipe: { type: 'string' },
      ...Object.fromEntries(PROTOCOL_FLAGS.map((f) => [f, { type: 'string' as const }])),
      ...Object.fromEntries(PROTOCOL_SWITCHES.map((f) => [f, { type: 'boolean' as const }])),
      limit: { type: 'string' }, resume: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  if (!values.out) throw new Error(`--out is required\n${TRAIN_USAGE}`);
  const out = path.resolve(values.out);
  const run = hasCheckpoint(out) ? readRunConfig(out) : undefined;
  if (run && !values.resume) throw new Error(`${out} already holds a training run: pass --resume to continue it, or choose another --out`);
  const given = [...PROTOCOL_FLAGS, ...PROTOCOL_SWITCHES].filter((f) => (values as Record<string, unknown>)[f] !== undefined);
  if (values.recipe && given.length) throw new Error(`--recipe ${values.recipe} fixes the protocol: drop ${given.map((f) => `--${f}`).join(', ')}, or drop --recipe`);
  if (run && values.dataset !== undefined && values.dataset !== run.dataset) throw new Error(`${out} trains on ${run.dataset}: resume it without --dataset ${values.dataset}, or choose another --out`);
  // The data set is named: by --dataset, by the resumed run, or by --model's architecture.
  const modelFlag = (values as unknown as Record<string, string | undefined>).model;
  const named = values.dataset ?? run?.dataset ?? (modelFlag === undefined ? undefined : onlyDatasetTraining(modelFlag));
  if (!named) throw new Error(`name the data set: --dataset ${datasetNames().join(' or ')}\n${TRAIN_USAGE}`);
  const dataset = datasetSpec(named);
  // Resuming, what the flags leave out is the run's own protocol, and what they give must agree with it.
  const recipe = values.recipe ? findRecipe(dataset.name, values.recipe)
    : recipeFromFlags(dataset, definedOnly(values), run && recipeOfRun(run));
  if (run) {
    const stored = recipeOfRun(run);
    const differences = protocolDifferences(stored, recipe, ['the run', 'asked now'], ['epochs']);
    if (differences.length) throw new Error(`${out} was started with another protocol; resuming it with this one would mix the two:\n  ${differences.join('\n  ')}\nresume with --resume alone (and --epochs to extend it), or choose another --out`);
  }
  const limit = values.limit === undefined ? run?.limit : count('limit', values.limit);
  if (run && limit !== run.limit) throw new Error(`${out} trains on ${run.limit === undefined ? 'every image' : `the first ${run.limit} images`}: resume it without --limit ${values.limit}`);
  const { adversarial } = recipe;
  const config = {
    dataset: dataset.name, recipe: recipe.name, model: recipe.architecture, epochs: recipe.epochs, batchSize: recipe.batchSize, seed: recipe.seed,
    limit, adversarial, optimizer: recipe.optimizer, augmentation: recipe.augmentation,
  };
  const backend = await initBackend();
  // AT_ODDS_TRAIN_SPLIT=sample trains on the embedded sample: the tests do, to need no download.
  const split = process.env.AT_ODDS_TRAIN_SPLIT ?? 'train';
  const data = await loadDataset(dataset, split, { limit, onProgress: downloadProgress() });
  const model = architecture(recipe.architecture).build(recipe.seed, dataset);
  fs.mkdirSync(out, { recursive: true });
  writeFileAtomic(path.join(out, 'config.json'), JSON.stringify({ ...config, backend: backend.name, n: data.n }, null, 2));
  const attack = adversarial ? `adversarial, ${adversarial.threat} eps ${adversarial.eps}, ${adversarial.steps === 1 ? 'FGSM from a random start' : `PGD-${adversarial.steps}`} step ${+adversarial.stepSize.toPrecision(6)}` : 'standard';
  console.log(`training ${recipe.architecture} on ${data.n} ${dataset.name} images${recipe.augmentation ? ' (random crops and flips)' : ''}: ${attack}; ${out}`);
  const history = await train(model, data, { ...recipeOptions(recipe), out, resume: values.resume, onProgress: terminalProgress() });
  for (const h of history) {
    const adv = h.adv_acc === null ? '' : `  adv loss ${h.adv_loss!.toFixed(4)} adv acc ${(100 * h.adv_acc).toFixed(2)}%`;
    console.log(`epoch ${h.epoch}: loss ${h.std_loss.toFixed(4)} acc ${(100 * h.std_acc).toFixed(2)}%${adv}  ${h.seconds.toFixed(0)} s  ${h.images_per_s.toFixed(0)} img/s`);
  }
  model.dispose();
  return 0;
}
