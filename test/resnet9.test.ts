// ResNet-9 and the fast layers it trains with: the fused batch norm and the convolution without a
// filter gradient agree with tfjs-layers' own code, forward and backward, on tfjs-node and wasm;
// training with augmentation resumes exactly; a tiny ResNet-9 learns CIFAR-10 from a few hundred images.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../lib/backend/init';
import { registerTrainingKernels } from '../lib/backend/training-kernels';
import { CROPS_AND_FLIPS } from '../lib/data/augment';
import { loadCifar10 } from '../lib/data/cifar10';
import { subset } from '../lib/data/dataset';
import { evaluate } from '../lib/eval/accuracy';
import { architecture } from '../lib/models/architectures';
import { setFastLayers } from '../lib/models/fast-path';
import { loadModel, saveModel } from '../lib/models/io';
import { resnet9 } from '../lib/models/resnet9';
import { train, trainStep } from '../lib/train/loop';
import { attackSpec } from '../lib/attacks/spec';
import { makeOptimizer, oneCycle, OptimizerSpec, trainableVariables } from '../lib/train/optimizer';
import { tempDir } from './helpers/cli';
import { maxRelativeError } from './helpers/numeric';

test.before(async () => {
  const b = await initBackend({ quiet: true });
  if (b.name !== 'node') throw new Error(`these tests compare against tfjs-node, but the backend is ${b.name}: run npm run setup`);
});

/** Seeded inputs in [0, 1], [n, 16, 16, 3], and labels. */
function inputs(n: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  let s = 12345;
  const v = Float32Array.from({ length: n * 16 * 16 * 3 }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32));
  return { x: tf.tensor4d(v, [n, 16, 16, 3]), y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32') };
}

interface Pass { loss: number; logits: Float32Array; grads: Float32Array[]; inputGrad: Float32Array; moving: Float32Array[]; evalLogits: Float32Array; evalInputGrad: Float32Array }

/** One training-mode pass (loss, every gradient, the moving statistics after it) and one inference-mode pass. */
function pass(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D): Pass {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const xv = tf.variable(x);
  const loss = (training: boolean) => () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), model.apply(xv, { training }) as tf.Tensor2D) as tf.Scalar;
  const { value, grads } = tf.variableGrads(loss(true), [...vars, xv]);
  const out: Pass = {
    loss: value.dataSync()[0],
    logits: (model.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array,
    grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
    inputGrad: grads[xv.name].dataSync() as Float32Array,
    moving: model.weights.filter((w) => /moving/.test(w.name)).map((w) => w.read().dataSync() as Float32Array),
    evalLogits: (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array,
    evalInputGrad: tf.grad((xx: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), model.apply(xx, { training: false }) as tf.Tensor2D))(x).dataSync() as Float32Array,
  };
  tf.dispose([value, grads, xv]);
  return out;
}

function compare(t: { true(v: boolean, m: string): void }, a: Pass, b: Pass, tol: number, what: string): void {
  t.true(Math.abs(a.loss - b.loss) < tol * Math.abs(b.loss), `${what}: loss ${a.loss} vs ${b.loss}`);
  for (const [name, u, v] of [['train logits', a.logits, b.logits], ['input gradient', a.inputGrad, b.inputGrad], ['eval logits', a.evalLogits, b.evalLogits], ['eval input gradient', a.evalInputGrad, b.evalInputGrad]] as const) {
    const e = maxRelativeError(u, v);
    t.true(e < tol, `${what}: ${name} differ by ${e}`);
  }
  a.grads.forEach((g, i) => {
    const e = maxRelativeError(g, b.grads[i]);
    t.true(e < tol, `${what}: weight gradient ${i} differs by ${e}`);
  });
  a.moving.forEach((m, i) => {
    const e = maxRelativeError(m, b.moving[i]);
    t.true(e < tol, `${what}: moving statistic ${i} differs by ${e}`);
  });
}

const SGD: OptimizerSpec = { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, piecewise: oneCycle(1, 2) };

/** The same ResNet-9 (width 4, 16x16 inputs) built afresh on whatever backend is current. */
const tiny = () => resnet9(4, { seed: 3, inputSize: 16 });

test.serial('fused batch norm and the plain convolution agree with tfjs-layers, forward, backward and moving averages; wasm agrees on the stock path', async (t) => {
  const { x, y } = inputs(6);
  setFastLayers(false);
  const stock = pass(tiny(), x, y);
  setFastLayers(true);
  const fast = pass(tiny(), x, y);
  compare(t, fast, stock, 2e-4, 'fused vs stock on tfjs-node');
  t.true(fast.grads.length === 8 + 16 + 1, 'eight convolutions, eight batch norms with two weights each, the head');

  // wasm: the stock layers with our training kernels, against tfjs-node's numbers.
  registerTrainingKernels('wasm');
  const xs = [x.dataSync(), y.dataSync()];
  await tf.setBackend('wasm');
  try {
    const onWasm = pass(tiny(), tf.tensor4d(xs[0] as Float32Array, [6, 16, 16, 3]), tf.tensor1d(xs[1] as Int32Array, 'int32'));
    compare(t, onWasm, fast, 2e-4, 'wasm vs tfjs-node');
  } finally {
    await tf.setBackend('tensorflow');
  }
  tf.dispose([x, y]);
});

test.serial('a training step with the fast layers leaks nothing, and a saved ResNet-9 is a stock Keras model that loads back to the same logits', async (t) => {
  const model = tiny();
  const { x, y } = inputs(4);
  // The first step makes the optimizer's momenta; after it, a step (clean or adversarial) leaves no tensor behind.
  const optimizer = makeOptimizer(SGD);
  const vars = trainableVariables(model);
  const step = (i: number) => trainStep(model, optimizer, vars, x, y, { seed: i, weightDecay: 5e-4, adversarial: i % 2 ? attackSpec({ threat: 'l2', eps: 0.5, steps: 2, stepSize: 0.3 }) : undefined });
  step(0);
  const before = tf.memory().numTensors;
  for (let i = 1; i <= 4; i++) step(i);
  t.is(tf.memory().numTensors, before, 'no tensor left behind');
  optimizer.dispose();
  const dir = tempDir('resnet9');
  await saveModel(model, dir);
  const json = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
  t.regex(json, /"class_name":"BatchNormalization"/);
  t.regex(json, /"class_name":"Conv2D"/);
  const back = await loadModel(dir);
  const a = (model.apply(x, { training: false }) as tf.Tensor).dataSync();
  const b = (back.apply(x, { training: false }) as tf.Tensor).dataSync();
  t.deepEqual(Array.from(b), Array.from(a));
  t.is(architecture('resnet9-16').build(0).countParams(), 410_544 + 4 * 560 + 1_280, 'ResNet-9 at width 16: convolutions, 560 batch-norm channels (4 numbers each), head');
  t.true(/ResNet-9, width 16 \(0\.4M\)/.test(architecture('resnet9-16').description));
  t.throws(() => architecture('resnet9-0'), { message: /unknown architecture 'resnet9-0'/ });
  t.throws(() => resnet9(16, { inputSize: 30 }), { message: /input must be square with a side that is a multiple of 8, got 30x30/ });
  tf.dispose([x, y]);
  model.dispose();
  back.dispose();
});


test.serial('training with augmentation, Nesterov SGD, weight decay and a one-cycle schedule resumes to the same weights as a straight run', async (t) => {
  const data = subset(await loadCifar10('sample'), 0, 96);
  const opts = { batchSize: 32, optimizer: SGD, augmentation: CROPS_AND_FLIPS, seed: 5, adversarial: { threat: 'linf' as const, eps: 8 / 255, steps: 1, stepSize: 10 / 255 } };
  const straight = architecture('resnet9-2').build(1);
  const h = await train(straight, data, { ...opts, epochs: 2 });
  const dir = tempDir('resume-cifar');
  const first = architecture('resnet9-2').build(1);
  await train(first, data, { ...opts, epochs: 1, out: dir });
  const resumed = architecture('resnet9-2').build(1);
  const h2 = await train(resumed, data, { ...opts, epochs: 2, out: dir, resume: true });
  t.deepEqual(h2.map((r) => r.std_loss), h.map((r) => r.std_loss));
  const [a, b] = [straight.getWeights(), resumed.getWeights()];
  t.is(a.length, b.length);
  a.forEach((w, i) => t.deepEqual(Array.from(b[i].dataSync()), Array.from(w.dataSync()), `weight ${i}`));
  // The one-cycle schedule: 0 -> 0.1 at epoch 1 -> 0 at epoch 2, per batch; the log keeps each epoch's last rate.
  t.deepEqual(h.map((r) => +r.lr.toFixed(12)), [0.1, 0]);
  for (const m of [straight, first, resumed]) m.dispose();
});

test.serial('a tiny ResNet-9 learns CIFAR-10 from 400 images: well past chance on 100 it never saw', async (t) => {
  const sample = await loadCifar10('sample');
  const model = architecture('resnet9-8').build(0);
  const history = await train(model, subset(sample, 0, 400), {
    epochs: 8, batchSize: 32, seed: 0, augmentation: CROPS_AND_FLIPS,
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, piecewise: oneCycle(2, 8) },
  });
  const held = await evaluate(model, subset(sample, 400, 500));
  t.true(history[history.length - 1].std_loss < history[0].std_loss, 'the training loss falls');
  t.true(held.std_acc >= 0.25, `held-out accuracy ${held.std_acc} (chance: 0.10)`);
  model.dispose();
});
