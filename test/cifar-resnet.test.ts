// MadryLab's CIFAR-10 checkpoints: the robustness library's CIFAR ResNet-50 (3x3 stem, shortcut.*,
// linear) in a training run's file, with an optimizer, a schedule and arguments that stay opaque; an
// older file (torch._utils._rebuild_tensor, state dict nested in a list). Logits and input gradients
// against PyTorch's (test/fixtures/make_torch_fixtures.py, torch 2.13).
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { Opaque } from '../lib/io/pickle';
import { readTorch, stateDict, tensorOf } from '../lib/io/torch';
import { logits } from '../lib/models/classifier';
import { resnetFromTorch } from '../lib/models/resnet';
import { againstPyTorch } from './helpers/numeric';

const dir = path.join(__dirname, 'fixtures', 'torch');
const want = JSON.parse(fs.readFileSync(path.join(dir, 'cifar-resnet-expected.json'), 'utf8'));

test.before(async () => {
  await initBackend({ quiet: true });
});

for (const format of ['zip', 'legacy']) {
  test(`the CIFAR ResNet-50 layout: logits and input gradients match PyTorch's to 1e-4 (${format} file)`, (t) => {
    const file = path.join(dir, `cifar-resnet-${format}.pt`);
    const net = resnetFromTorch(stateDict(readTorch(file), file), file);
    t.deepEqual([net.variant, net.blocks, net.width, net.classes], ['cifar', want.blocks, want.width, want.classes]);
    const { logits: zErr, grad: gErr } = againstPyTorch(net.model, want);
    t.log(`max relative error: logits ${zErr.toExponential(2)}, gradients ${gErr.toExponential(2)}`);
    t.true(zErr < 1e-4, `logits: ${zErr}`);
    t.true(gErr < 1e-4, `gradients: ${gErr}`);
    const big = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    t.throws(() => logits(net.model, big), { message: /this CIFAR ResNet takes 32x32 images, got 64x64/ });
    big.dispose();
    net.dispose();
  });
}

test('the entries beside the model stay opaque: nothing runs, and asking for one as a tensor names its class', (t) => {
  const file = path.join(dir, 'cifar-resnet-zip.pt');
  const run = readTorch(file) as Map<string, unknown>;
  t.is(run.get('epoch'), 150);
  const schedule = run.get('schedule');
  t.true(schedule instanceof Opaque);
  t.is((schedule as Opaque).className, '__main__.Schedule');
  t.deepEqual((schedule as Opaque).state, new Map([['milestones', [50, 100]]]));
  const args = run.get('args') as Opaque;
  t.is(args.className, 'argparse.Namespace');
  t.is((args.state as Map<string, unknown>).get('eps'), 0.5);
  t.throws(() => tensorOf(schedule, "'schedule'", file), { message: /cifar-resnet-zip\.pt: 'schedule' is a Python object of class __main__\.Schedule, not a tensor/ });
  t.throws(() => stateDict(new Map([['model', schedule]]), 'whole.pt'), { message: "whole.pt: 'model' is a Python object of class __main__.Schedule, not a state dict (a dict of tensors)" });
  const old = readTorch(path.join(dir, 'cifar-resnet-legacy.pt')) as Map<string, unknown>;
  t.true(Array.isArray(old.get('state_dict')), 'the older file nests its state dict in a list');
});
