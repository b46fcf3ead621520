// `at-odds` as a user runs it, by command: train and eval on each data set (a few hundred embedded test
// images stand in for the training set), ship, --help, and each command line's errors: those that every
// data set has run over every registered one (datasetNames()), beside the ones only one data set has.
import test, { ExecutionContext } from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { datasetNames, datasetSpec } from '../lib/data/datasets';
import { recipesOf } from '../lib/zoo/recipes';
import { shipRun } from '../lib/zoo/zoo';
import { atOdds, tempDir } from './helpers/cli';

const SAMPLE = { AT_ODDS_TRAIN_SPLIT: 'sample' };
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each command line exits with status 1 and says why. */
function refuses(t: ExecutionContext, cases: [string[], RegExp][]): void {
  for (const [args, message] of cases) {
    const r = atOdds(args, SAMPLE);
    t.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message, args.join(' '));
  }
}

test.serial('train on mnist, refuse to overwrite, resume, then eval as one JSON line', (t) => {
  const out = path.join(tempDir('train'), 'run');
  // The embedded sample stands in for the training set, so that no download is needed.
  const args = ['train', '--dataset', 'mnist', '--model', 'small', '--epochs', '1', '--limit', '200', '--out', out, '--eps', '0.1', '--steps', '2', '--step-size', '0.05'];
  const env = { AT_ODDS_TRAIN_SPLIT: 'sample' };
  const first = atOdds(args, env);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /training small on 200 mnist images: adversarial, linf eps 0\.1, PGD-2 step 0\.05/);
  t.regex(first.stdout, /epoch 1: loss [\d.]+ acc [\d.]+%  adv loss [\d.]+ adv acc [\d.]+%/);
  t.true(fs.existsSync(path.join(out, 'log.csv')));
  const again = atOdds(args, env);
  t.is(again.code, 1);
  t.regex(again.stderr, /already holds a training run: pass --resume to continue it/);
  const resumed = atOdds([...args.map((a) => (a === '1' ? '2' : a)), '--resume'], env);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stdout, /epoch 2: /);

  const r = atOdds(['eval', '--dataset', 'mnist', '--split', 'sample', '--checkpoint', out, '--eps', '0.1', '--steps', '3', '--n', '100']);
  t.is(r.code, 0, r.stderr);
  const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.like(line, { n: 100, threat: 'linf', eps: 0.1, steps: 3, restarts: 1, random_start: true });
  t.true(line.std_acc >= line.robust_acc && line.robust_acc >= 0 && line.std_acc <= 1);
  t.true(Math.abs(line.step_size - (2.5 * 0.1) / 3) < 1e-12, 'the default step size is 2.5 eps / steps');
});

test.serial('train --dataset cifar10 trains a ResNet-9 with augmentation (FGSM from a random start), eval knows the data set from the model', (t) => {
  const out = path.join(tempDir('cifar-train'), 'run');
  const args = ['train', '--dataset', 'cifar10', '--model', 'resnet9', '--width', '4', '--limit', '128', '--batch-size', '32', '--out', out,
    '--optimizer', 'sgd', '--nesterov', '--lr', '0.05', '--weight-decay', '5e-4', '--lr-knots', '0:0,0.5:1,1:0', '--eps', '0.0314', '--fgsm'];
  const r = atOdds(args, { AT_ODDS_TRAIN_SPLIT: 'sample' });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /training resnet9-4 on 128 cifar10 images \(random crops and flips\): adversarial, linf eps 0\.0314, FGSM from a random start step 0\.03925/);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  t.like(config, {
    dataset: 'cifar10', model: 'resnet9-4', n: 128, batchSize: 32, augmentation: { pad: 4, flip: true },
    adversarial: { threat: 'linf', eps: 0.0314, steps: 1 }, optimizer: { name: 'sgd', nesterov: true, weightDecay: 5e-4, piecewise: [[0, 0], [0.5, 1], [1, 0]] },
  });
  t.true(Math.abs(config.adversarial.stepSize - 1.25 * 0.0314) < 1e-12, 'FGSM steps 1.25 eps (Wong, Rice and Kolter)');
  const e = atOdds(['eval', '--split', 'sample', '--checkpoint', out, '--n', '40', '--eps', '0.0314', '--steps', '2']);
  t.is(e.code, 0, e.stderr);
  t.like(JSON.parse(e.stdout.trim().split('\n').pop()!), { dataset: 'cifar10', n: 40, eps: 0.0314, steps: 2 });
  const wrong = atOdds(['eval', '--dataset', 'mnist', '--split', 'sample', '--checkpoint', out]);
  t.is(wrong.code, 1);
  t.regex(wrong.stderr, /the model takes 32x32x3 images, which are cifar10's, not mnist's \(28x28x1\): drop --dataset or pass --dataset cifar10/);
});

test.serial('ship refuses a run trained on a subset, or with another recipe', async (t) => {
  const run = tempDir('subset-run');
  const trained = atOdds(['train', '--dataset', 'mnist', '--recipe', 'small-standard', '--limit', '100', '--out', run], { AT_ODDS_TRAIN_SPLIT: 'sample' });
  t.is(trained.code, 0, trained.stderr);
  await t.throwsAsync(shipRun('mnist', 'small-standard', run, tempDir('dest')), { message: /trained on 100 images; shipped models train on all 60,000/ });
  await t.throwsAsync(shipRun('mnist', 'standard', run, tempDir('dest')), { message: /was not trained with the recipe 'standard'/ });
});

/** What every data set's train command refuses, in its own words. */
function trainErrors(dataset: string): [string[], RegExp][] {
  const spec = datasetSpec(dataset);
  return [
    [['train', '--dataset', dataset], /--out is required/],
    [['train', '--dataset', dataset, '--recipe', 'huge', '--out', tempDir('x')], new RegExp(`no ${escape(spec.title)} recipe 'huge': choose from ${escape(recipesOf(dataset).map((r) => r.name).join(', '))}`)],
    [['train', '--dataset', dataset, '--recipe', 'standard', '--lr', '0.1', '--out', tempDir('x')], /--recipe standard fixes the protocol: drop --lr, or drop --recipe/],
    [['train', '--dataset', dataset, '--out', tempDir('arch'), '--model', 'vgg', '--limit', '10'], new RegExp(`unknown ${escape(spec.title)} architecture 'vgg': use ${escape(spec.architectures.choices)}`)],
  ];
}

/** What only one data set's command lines refuse. */
const ERRORS: Record<string, [string[], RegExp][]> = {
  mnist: [
    [['train', '--dataset', 'mnist', '--model', 'resnet9', '--out', tempDir('x')], /--model resnet9 is a CIFAR-10 network: it cannot train on MNIST \(use madry or small\)/],
    [['bench', '--dataset', 'mnist', '--width', '16'], /--width is for the CIFAR-10 benchmark/],
  ],
  cifar10: [
    [['train', '--dataset', 'cifar10', '--model', 'madry', '--out', tempDir('x')], /--model madry is a MNIST network: it cannot train on CIFAR-10 \(use resnet9 \(with --width W\)\)/],
    [['train', '--dataset', 'cifar10', '--width', '8', '--model', 'small', '--out', tempDir('x')], /--width is for --model resnet9/],
    [['train', '--dataset', 'cifar10', '--fgsm', '--out', tempDir('x')], /--fgsm needs --eps/],
    [['train', '--dataset', 'cifar10', '--fgsm', '--eps', '0.03', '--steps', '3', '--out', tempDir('x')], /--fgsm fixes the attack \(one step of 1\.25 eps\): drop --steps and --step-size/],
    [['train', '--dataset', 'cifar10', '--lr-knots', '0:0,bad', '--out', tempDir('x')], /--lr-knots takes EPOCH:FACTOR pairs separated by commas, got 'bad'/],
    [['train', '--dataset', 'cifar10', '--lr-knots', '2:0,1:1', '--optimizer', 'sgd', '--out', tempDir('x')], /a piecewise learning-rate schedule needs two or more \[epoch, factor\] knots, epochs rising/],
    [['train', '--dataset', 'cifar10', '--milestones', '2', '--lr-knots', '0:0,1:1', '--out', tempDir('x')], /--milestones and --lr-knots are two schedules: give one/],
    [['train', '--dataset', 'cifar10', '--nesterov', '--out', tempDir('x')], /--nesterov is for --optimizer sgd/],
    [['train', '--dataset', 'cifar10', '--recipe', 'standard', '--augment', '--out', tempDir('x')], /--recipe standard fixes the protocol: drop --augment, or drop --recipe/],
    [['bench', '--dataset', 'cifar10', '--model', 'madry'], /the CIFAR-10 benchmark trains ResNet-9 \(--width W\), not 'madry'/],
    [['bench', '--dataset', 'cifar10', '--width', '0'], /--width must be >= 1, got 0/],
  ],
};

for (const dataset of datasetNames()) {
  test(`${dataset}: bad command lines get clear errors`, (t) => refuses(t, [...trainErrors(dataset), ...(ERRORS[dataset] ?? [])]));
}

test('command lines that name no data set, or an unknown one, get clear errors; every command has --help', (t) => {
  refuses(t, [
    [['eval'], /--checkpoint DIR is required/],
    [['eval', '--checkpoint', '/nonexistent/run'], /\/nonexistent\/run holds neither a model \(model\.json\) nor a training run/],
    [['eval', '--checkpoint', '.', '--eps', 'big'], /--eps must be a number, got 'big'/],
    [['eval', '--ship'], /--ship needs --dataset/],
    [['eval', '--ship', '--dataset', 'mnist', '--models', 'standard,nope'], /not shipped models of mnist: nope \(shipped: standard, /],
    [['eval', '--ship', '--dataset', 'mnist', '--steps', '0'], /--steps must be an integer >= 1, got '0'/],
    [['train', '--dataset', 'svhn', '--out', tempDir('svhn')], /unknown dataset 'svhn': use mnist/],
    [['train', '--out', tempDir('nodata'), '--epochs', '1'], /name the data set: --dataset mnist or cifar10/],
    [['train', '--out', tempDir('nodata'), '--recipe', 'standard'], /name the data set: --dataset mnist or cifar10/],
    [['bench', '--pgd-steps', '1.5'], /--pgd-steps must be an integer, got '1\.5'/],
    [['ship', '--dataset', 'svhn', '--recipe', 'standard', '--run', '.'], /unknown dataset 'svhn': use mnist or cifar10/],
    [['references', '--bogus'], /usage: at-odds references \[--check\]; unknown: --bogus/],
  ]);
  for (const command of ['train', 'eval', 'bench']) {
    const r = atOdds([command, '--help']);
    t.is(r.code, 0, command);
    t.regex(r.stdout, /usage: at-odds/, command);
    t.regex(r.stdout, /defaults:/, command);
  }
  for (const command of ['setup', 'backend', 'train-size', 'ship', 'notebooks', 'references']) {
    const r = atOdds([command, '--help']);
    t.is(r.code, 0, command);
    t.regex(r.stdout, new RegExp(`^usage: at-odds ${command}`), command);
  }
});
