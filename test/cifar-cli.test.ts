// The commands on CIFAR-10, as a user types them: --dataset means what it says everywhere.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/backend/init';
import { loadCifar10 } from '../lib/data/cifar10';
import { subset } from '../lib/data/dataset';
import { recipe, recipeFlags } from '../lib/zoo/recipes';
import { shipRun, trainRecipe } from '../lib/zoo/zoo';
import { atOdds, tempDir } from './helpers/cli';

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

test('CIFAR command lines get clear errors, and every command has --help', (t) => {
  const env = { AT_ODDS_TRAIN_SPLIT: 'sample' };
  const cases: [string[], RegExp][] = [
    [['train', '--dataset', 'cifar10', '--model', 'madry', '--out', tempDir('x')], /--model madry is a MNIST network: it cannot train on CIFAR-10 \(use resnet9 \(with --width W\)\)/],
    [['train', '--dataset', 'mnist', '--model', 'resnet9', '--out', tempDir('x')], /--model resnet9 is a CIFAR-10 network: it cannot train on MNIST \(use madry or small\)/],
    [['train', '--dataset', 'cifar10', '--model', 'vgg', '--out', tempDir('x')], /unknown CIFAR-10 architecture 'vgg': use resnet9 \(with --width W\)/],
    [['train', '--dataset', 'cifar10', '--width', '8', '--model', 'small', '--out', tempDir('x')], /--width is for --model resnet9/],
    [['train', '--dataset', 'cifar10', '--fgsm', '--out', tempDir('x')], /--fgsm needs --eps/],
    [['train', '--dataset', 'cifar10', '--fgsm', '--eps', '0.03', '--steps', '3', '--out', tempDir('x')], /--fgsm fixes the attack \(one step of 1\.25 eps\): drop --steps and --step-size/],
    [['train', '--dataset', 'cifar10', '--lr-knots', '0:0,bad', '--out', tempDir('x')], /--lr-knots takes EPOCH:FACTOR pairs separated by commas, got 'bad'/],
    [['train', '--dataset', 'cifar10', '--lr-knots', '2:0,1:1', '--optimizer', 'sgd', '--out', tempDir('x')], /a piecewise learning-rate schedule needs two or more \[epoch, factor\] knots, epochs rising/],
    [['train', '--dataset', 'cifar10', '--milestones', '2', '--lr-knots', '0:0,1:1', '--out', tempDir('x')], /--milestones and --lr-knots are two schedules: give one/],
    [['train', '--dataset', 'cifar10', '--nesterov', '--out', tempDir('x')], /--nesterov is for --optimizer sgd/],
    [['train', '--dataset', 'cifar10', '--recipe', 'standard', '--augment', '--out', tempDir('x')], /--recipe standard fixes the protocol: drop --augment, or drop --recipe/],
    [['train', '--dataset', 'cifar10', '--recipe', 'huge', '--out', tempDir('x')], /no CIFAR-10 recipe 'huge': choose from standard/],
    [['ship', '--dataset', 'svhn', '--recipe', 'standard', '--run', '.'], /unknown dataset 'svhn': use mnist or cifar10/],
    [['bench', '--dataset', 'mnist', '--width', '16'], /--width is for the CIFAR-10 benchmark/],
    [['bench', '--dataset', 'cifar10', '--model', 'madry'], /the CIFAR-10 benchmark trains ResNet-9 \(--width W\), not 'madry'/],
    [['bench', '--dataset', 'cifar10', '--width', '0'], /--width must be >= 1, got 0/],
  ];
  for (const [args, message] of cases) {
    const r = atOdds(args, env);
    t.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message, args.join(' '));
  }
  for (const command of ['train', 'eval', 'bench']) {
    const r = atOdds([command, '--help']);
    t.is(r.code, 0, command);
    t.regex(r.stdout, /usage: at-odds/, command);
    t.regex(r.stdout, /defaults:/, command);
  }
  for (const command of ['setup', 'backend', 'train-size', 'ship', 'notebooks']) {
    const r = atOdds([command, '--help']);
    t.is(r.code, 0, command);
    t.regex(r.stdout, new RegExp(`^usage: at-odds ${command}`), command);
  }
});

test.serial('the CIFAR-10 recipes train through the same zoo as MNIST\'s, resume instead of retraining, and ship only whole runs', async (t) => {
  await initBackend({ quiet: true });
  const r = recipe('cifar10', 'standard');
  t.regex(recipeFlags('cifar10', r), /^--dataset cifar10 --model resnet9 --width 16 --epochs 24 --optimizer sgd --lr 0\.2 --lr-knots 0:0,5:1,24:0 --momentum 0\.9 --nesterov --weight-decay 0\.0005 --augment --batch-size 128 --seed 0$/);
  const few = subset(await loadCifar10('sample'), 0, 128); // one batch an epoch
  const out = tempDir('cifar-zoo');
  const first = await trainRecipe('cifar10', 'standard', few, out);
  t.is(first.record.history.length, 24);
  t.is(first.record.history[23].lr, 0, 'the one-cycle schedule ends at 0');
  const again = await trainRecipe('cifar10', 'standard', few, out);
  t.deepEqual(again.record.history, first.record.history, 'nothing retrained');
  await t.throwsAsync(trainRecipe('mnist', 'standard', few, out), { message: /the mnist recipe 'standard' trains on mnist, not on cifar10/ });
  fs.writeFileSync(path.join(out, 'config.json'), JSON.stringify({ dataset: 'cifar10', model: r.architecture, epochs: r.epochs, batchSize: r.batchSize, seed: r.seed, optimizer: r.optimizer, augmentation: r.augmentation, n: 128 }));
  await t.throwsAsync(shipRun('cifar10', 'standard', out, tempDir('dest')), { message: /trained on 128 images; shipped models train on all 50,000/ });
  await t.throwsAsync(shipRun('mnist', 'standard', out, tempDir('dest')), { message: /trained on cifar10, not on mnist/ });
  first.model.dispose();
  again.model.dispose();
});
