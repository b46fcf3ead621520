// `npm run train`: standard or adversarial training from the command line, with checkpoints and resume.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { initBackend } from '../backend/init';
import { loadDataset } from '../data/load';
import { writeFileAtomic } from '../io/atomic';
import { MnistArchitecture, mnistCnn } from '../models/mnist';
import { hasCheckpoint } from '../train/checkpoint';
import { AdversarialSpec, train } from '../train/loop';
import { OptimizerSpec } from '../train/optimizer';
import { mnistRecipe, Recipe } from '../train/mnist-recipes';
import { downloadProgress, terminalProgress } from '../progress';
import { int, num } from './args';

const TRAIN_USAGE = `usage: at-odds train --dataset mnist --out DIR --recipe NAME [--resume]   (the models we ship: data/models/mnist/README.md)
       at-odds train --dataset mnist --out DIR [--model madry|small] [--epochs N]
    [--threat linf|l2 --eps E --steps K --step-size S [--warmup-epochs W]]   (adversarial; standard without --eps)
    [--optimizer adam|sgd] [--lr LR] [--momentum M] [--milestones E1,E2] [--batch-size B] [--seed S]
    [--limit N] [--resume]`;

/** The protocol the flags describe (defaults for what they leave out). */
function recipeFromFlags(values: Record<string, string | boolean | undefined>): Recipe {
  const v = values as Record<string, string | undefined>;
  const adversarial: AdversarialSpec | undefined = v.eps === undefined ? undefined : {
    threat: (v.threat ?? 'linf') as 'linf' | 'l2', eps: num('eps', v.eps),
    steps: int('steps', v.steps, 40), stepSize: num('step-size', v['step-size'], 0.01),
    ...(v['warmup-epochs'] === undefined ? {} : { warmupEpochs: int('warmup-epochs', v['warmup-epochs']) }),
  };
  const milestones = v.milestones?.split(',').map((m) => int('milestones', m));
  const optimizer: OptimizerSpec = v.optimizer === 'sgd'
    ? { name: 'sgd', lr: num('lr', v.lr, 0.1), momentum: num('momentum', v.momentum, 0.9), milestones }
    : { name: (v.optimizer ?? 'adam') as 'adam', lr: num('lr', v.lr, 1e-4), milestones };
  return {
    name: 'custom', architecture: (v.model ?? 'madry') as MnistArchitecture, epochs: int('epochs', v.epochs, 1),
    batchSize: int('batch-size', v['batch-size'], 50), seed: int('seed', v.seed, 0), adversarial, optimizer,
  };
}

const PROTOCOL_FLAGS = ['model', 'epochs', 'threat', 'eps', 'steps', 'step-size', 'warmup-epochs', 'optimizer', 'lr', 'momentum', 'milestones', 'batch-size', 'seed'];

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', default: 'mnist' }, out: { type: 'string' }, recipe: { type: 'string' },
      ...Object.fromEntries(PROTOCOL_FLAGS.map((f) => [f, { type: 'string' as const }])),
      limit: { type: 'string' }, resume: { type: 'boolean', default: false },
    },
  });
  if (!values.out) throw new Error(`--out is required\n${TRAIN_USAGE}`);
  const out = path.resolve(values.out);
  if (hasCheckpoint(out) && !values.resume) throw new Error(`${out} already holds a training run: pass --resume to continue it, or choose another --out`);
  const clash = PROTOCOL_FLAGS.filter((f) => (values as Record<string, unknown>)[f] !== undefined);
  if (values.recipe && clash.length) throw new Error(`--recipe ${values.recipe} fixes the protocol: drop ${clash.map((f) => `--${f}`).join(', ')}, or drop --recipe`);
  const recipe = values.recipe ? mnistRecipe(values.recipe) : recipeFromFlags(values);
  const { adversarial } = recipe;
  const config = {
    dataset: values.dataset!, recipe: recipe.name, model: recipe.architecture, epochs: recipe.epochs, batchSize: recipe.batchSize, seed: recipe.seed,
    limit: values.limit === undefined ? undefined : int('limit', values.limit), adversarial, optimizer: recipe.optimizer,
  };
  const backend = await initBackend();
  // AT_ODDS_TRAIN_SPLIT=sample trains on the embedded sample: the tests do, to need no download.
  const split = process.env.AT_ODDS_TRAIN_SPLIT ?? 'train';
  const data = await loadDataset(config.dataset, split, { limit: config.limit, onProgress: downloadProgress() });
  const model = mnistCnn(config.model as MnistArchitecture, config.seed);
  fs.mkdirSync(out, { recursive: true });
  writeFileAtomic(path.join(out, 'config.json'), JSON.stringify({ ...config, backend: backend.name, n: data.n }, null, 2));
  console.log(`training ${config.model} on ${data.n} ${config.dataset} images: ${adversarial ? `adversarial, ${adversarial.threat} eps ${adversarial.eps}, PGD-${adversarial.steps} step ${adversarial.stepSize}` : 'standard'}; ${out}`);
  const history = await train(model, data, { ...config, out, resume: values.resume, onProgress: terminalProgress() });
  for (const h of history) {
    const adv = h.adv_acc === null ? '' : `  adv loss ${h.adv_loss!.toFixed(4)} adv acc ${(100 * h.adv_acc).toFixed(2)}%`;
    console.log(`epoch ${h.epoch}: loss ${h.std_loss.toFixed(4)} acc ${(100 * h.std_acc).toFixed(2)}%${adv}  ${h.seconds.toFixed(0)} s  ${h.images_per_s.toFixed(0)} img/s`);
  }
  model.dispose();
  return 0;
}
