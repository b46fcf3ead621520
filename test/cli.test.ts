// `at-odds train` and `at-odds eval` as a user runs them, on a few hundred test digits.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { atOdds, tempDir } from './helpers/cli';

test.serial('train, refuse to overwrite, resume, then eval as one JSON line', (t) => {
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

test('bad command lines get clear errors', (t) => {
  const cases: [string[], RegExp][] = [
    [['eval'], /--checkpoint DIR is required/],
    [['eval', '--checkpoint', '/nonexistent/run'], /\/nonexistent\/run holds neither a model \(model\.json\) nor a training run/],
    [['eval', '--checkpoint', '.', '--eps', 'big'], /--eps must be a number, got 'big'/],
    [['train', '--dataset', 'mnist'], /--out is required/],
    [['train', '--dataset', 'svhn', '--out', tempDir('svhn')], /unknown dataset 'svhn': use mnist/],
    [['train', '--dataset', 'mnist', '--out', tempDir('arch'), '--model', 'resnet', '--limit', '10'], /unknown MNIST architecture 'resnet'/],
    [['train', '--out', tempDir('nodata'), '--epochs', '1'], /name the data set: --dataset mnist or cifar10/],
    [['train', '--out', tempDir('nodata'), '--recipe', 'standard'], /name the data set: --dataset mnist or cifar10/],
    [['bench', '--pgd-steps', '1.5'], /--pgd-steps must be an integer, got '1\.5'/],
  ];
  for (const [args, message] of cases) {
    const r = atOdds(args, { AT_ODDS_TRAIN_SPLIT: 'sample' });
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
  }
});
