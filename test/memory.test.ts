// The notebooks' last cell: every tensor still held is accounted for, and a leak shows.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { architecture } from '../lib/models/architectures';
import { memoryAccount, memoryReport } from '../lib/memory';
import { fgsmCase, gradientSample, l2StepReference, visibleGradientReference } from '../lib/exercises/cifar10';
import { pgdStepCase } from '../lib/exercises/mnist';

test('tensors are counted by what holds them, each once, and the rest is a leak', async (t) => {
  await initBackend({ quiet: true });
  const before = tf.memory().numTensors;
  const model = architecture('small').build(0);
  const x = tf.zeros([2, 28, 28, 1]);
  const y = tf.tensor1d([1, 2], 'int32');
  const held = { models: { small: model }, 'figure inputs': [x, { y: y, again: x }] };
  const r = memoryAccount(held);
  t.deepEqual(r.held, { models: model.weights.length, 'figure inputs': 2 });
  t.is(r.unaccounted, before);
  const leak = tf.ones([3]);
  t.is(memoryAccount(held).unaccounted, before + 1, 'a tensor nobody holds');
  t.regex(memoryReport(held), new RegExp(`^tensors held: ${before + model.weights.length + 3} = ${model.weights.length} in models \\+ 2 in figure inputs; ${before + 1} unaccounted for$`));
  tf.dispose([x, y, leak]);
  model.dispose();
});

test('the exercises\' fixtures hold no tensor: a case a student keeps calling leaves nothing behind', async (t) => {
  await initBackend({ quiet: true });
  const before = tf.memory().numTensors;
  const c = fgsmCase(0);
  const g = c.gradAt(c.x);
  l2StepReference(c.x, g, 1);
  visibleGradientReference(gradientSample(0));
  pgdStepCase(0);
  t.is(g.length, c.x.length);
  t.is(tf.memory().numTensors, before, 'tensors left by the fixtures (03-cifar10 reported 7 unaccounted for)');
});
