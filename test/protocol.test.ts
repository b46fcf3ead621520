// Nothing silently wrong: a resumed run keeps its protocol, ship checks what it ships, and every eps,
// threat and batch size is checked before any work.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { atOdds, tempDir } from './helpers/cli';
import { initBackend } from '../lib/backend/init';
import { architecture } from '../lib/models/architectures';
import { recipeFromFlags } from '../lib/cli/train';
import { protocolDifferences, recipe, recipeFlags, recipesOf } from '../lib/zoo/recipes';
import { recipeOptions, shipRun } from '../lib/zoo/zoo';
import { saveCheckpoint } from '../lib/train/checkpoint';
import { makeOptimizer, optimizerState } from '../lib/train/optimizer';
import { datasetNames, datasetSpec } from '../lib/data/datasets';

test.before(async () => {
  await initBackend({ quiet: true });
});

test('every recipe is the flags that npm run train prints for it, read back', (t) => {
  for (const dataset of datasetNames()) {
    for (const r of recipesOf(dataset)) {
      // The printed command, read back the way the shell hands it to npm run train.
      const words = recipeFlags(dataset, r).split(' ');
      const flags = Object.fromEntries(words.flatMap((w, i) => (w.startsWith('--') ? [[w.slice(2), words[i + 1]?.startsWith('--') || i + 1 === words.length ? true : words[i + 1]]] : [])));
      delete flags.dataset;
      t.deepEqual(protocolDifferences(r, recipeFromFlags(datasetSpec(dataset), flags), ['recipe', 'flags']), [], `${dataset} ${r.name}`);
    }
  }
});

test.serial('a resumed run refuses another protocol, naming each difference; --resume alone continues it as it was, and clears half-written checkpoints', (t) => {
  const env = { AT_ODDS_TRAIN_SPLIT: 'sample' };
  const out = path.join(tempDir('mix'), 'run');
  const first = atOdds(['train', '--model', 'small', '--epochs', '1', '--lr', '0.05', '--limit', '100', '--out', out], env);
  t.is(first.code, 0, first.stderr);
  const config = fs.readFileSync(path.join(out, 'config.json'), 'utf8');

  const recipe = atOdds(['train', '--recipe', 'small-standard', '--limit', '100', '--out', out, '--resume'], env);
  t.is(recipe.code, 1);
  t.regex(recipe.stderr, /was started with another protocol; resuming it with this one would mix the two:\n {2}optimizer: \{"lr":0\.05,"name":"adam"\} \(the run\) vs \{"lr":0\.001,"milestones":\[2\],"name":"adam"\} \(asked now\)\n/);
  t.regex(recipe.stderr, /resume with --resume alone/);
  const flags = atOdds(['train', '--model', 'small', '--batch-size', '25', '--lr', '0.05', '--out', out, '--resume'], env);
  t.regex(flags.stderr, /batchSize: 50 \(the run\) vs 25 \(asked now\)/);
  const limit = atOdds(['train', '--out', out, '--resume', '--limit', '50'], env);
  t.regex(limit.stderr, /trains on the first 100 images: resume it without --limit 50/);
  const dataset = atOdds(['train', '--dataset', 'cifar10', '--out', out, '--resume'], env);
  t.regex(dataset.stderr, /trains on mnist: resume it without --dataset cifar10/);
  t.is(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), config, 'refusals leave the run as it was');

  // A checkpoint write killed half-way leaves a partial folder: the next start of the run removes it.
  const partial = path.join(out, 'checkpoints', 'epoch-0002.partial-99999');
  fs.mkdirSync(partial);
  fs.writeFileSync(path.join(partial, 'model.json'), '{');
  const resumed = atOdds(['train', '--out', out, '--resume', '--epochs', '2'], env);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stdout, /training small on 100 mnist images: standard/);
  t.regex(resumed.stdout, /epoch 2: /);
  const after = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  t.like(after, { model: 'small', epochs: 2, limit: 100, optimizer: { name: 'adam', lr: 0.05 } });
  t.deepEqual(fs.readdirSync(path.join(out, 'checkpoints')), ['epoch-0002'], 'the partial folder is gone');
});

test('ship refuses weights that do not score near their own training record on the embedded sample', async (t) => {
  // A run that claims everything right: the recipe's protocol, every epoch, the whole training set,
  // and 99% accuracy. Its weights are the untrained initialisation.
  const r = recipe('mnist', 'small-standard');
  const run = tempDir('forged');
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ dataset: 'mnist', recipe: r.name, model: r.architecture, ...recipeOptions(r), n: 60_000 }));
  const model = architecture(r.architecture).build(r.seed);
  const optimizer = makeOptimizer(r.optimizer);
  const row = { epoch: r.epochs, lr: 1e-3, std_loss: 0.03, std_acc: 0.99, adv_loss: null, adv_acc: null, seconds: 10, images_per_s: 6000 };
  await saveCheckpoint(run, model, await optimizerState(optimizer), { epoch: r.epochs, history: Array.from({ length: r.epochs }, (_, i) => ({ ...row, epoch: i + 1 })) });
  model.dispose();
  const dest = tempDir('dest');
  await t.throwsAsync(shipRun('mnist', r.name, run, path.join(dest, 'm')), { message: /scores \d+\.\d% on the 2000 embedded test images, far below the 99\.0% of its last training epoch: .*not shipped/ });
  t.false(fs.existsSync(path.join(dest, 'm')), 'nothing shipped');
  tf.dispose((await optimizer.getWeights()).map((w) => w.tensor));
});

test('every eps, threat and batch size is checked before any work, eps 0 included', (t) => {
  const model = path.join('data', 'models', 'mnist', 'small-standard');
  const cases: [string[], RegExp][] = [
    [['eval', '--checkpoint', model, '--n', '100', '--eps=-1'], /eps must be a number >= 0, got -1/],
    [['eval', '--checkpoint', model, '--n', '100', '--eps', '0.1,-0.1'], /eps must be a number >= 0, got -0\.1/],
    [['eval', '--checkpoint', model, '--threat', 'l1', '--eps', '0'], /unknown threat model 'l1': use linf or l2/],
    [['eval', '--checkpoint', model, '--n', '100', '--batch-size', '0'], /--batch-size must be an integer >= 1, got '0'/],
    [['eval', '--checkpoint', model, '--n', '0'], /--n must be an integer >= 1, got '0'/],
    [['eval', '--checkpoint', model, '--eps', '0.1', '--steps', '0'], /--steps must be an integer >= 1, got '0'/],
    [['train', '--dataset', 'mnist', '--out', tempDir('neg'), '--eps=-0.3'], /eps must be a number >= 0, got -0\.3/],
    [['train', '--dataset', 'mnist', '--out', tempDir('l1'), '--threat', 'l1', '--eps', '0.3'], /unknown threat model 'l1': use linf or l2/],
    [['train', '--dataset', 'mnist', '--out', tempDir('noeps'), '--threat', 'l2'], /--threat, --steps, --step-size and --warmup-epochs describe adversarial training: give --eps too/],
    [['train', '--dataset', 'mnist', '--out', tempDir('bs'), '--batch-size', '0'], /--batch-size must be an integer >= 1, got '0'/],
  ];
  for (const [args, message] of cases) {
    const r = atOdds(args);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    t.false(/at \S+\.ts:\d+/.test(r.stderr), 'no stack trace for a bad command line');
  }
  for (const args of cases.filter(([a]) => a[0] === 'train').map(([a]) => a)) t.false(fs.existsSync(path.join(args[2], 'config.json')), 'nothing written');
});
