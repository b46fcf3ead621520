// TensorFlow's fused kernels on tfjs-node against what they replace: Adam and momentum SGD as one
// ResourceApply op per variable against tfjs's optimizers (and checkpoints passing between the two),
// oneDNN's max-pool backward against TensorFlow's MaxPoolGrad, bit for bit, and the training loss in
// one kernel against tfjs's softmax cross-entropy.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { fusedTrainingOps } from '../lib/backend/resource-variables';
import { FusedAdam, FusedMomentum, isFusedAdam, isFusedMomentum } from '../lib/train/fused-optimizers';
import { makeOptimizer, optimizerState, restoreOptimizer } from '../lib/train/optimizer';
import { meanCrossEntropy } from '../lib/train/loop';
import { SPARSE_CROSS_ENTROPY } from '../lib/backend/kernel-names';
import { maxRelativeError } from './helpers/numeric';

let node = false;
test.before(async () => {
  node = (await initBackend({ quiet: true })).name === 'node';
});

/** A loss with curvature, so that the steps depend on the state the optimizers carry. */
const loss = (w: tf.Variable, step: number) => () => tf.sum(tf.mul(tf.sin(w), tf.add(w, step))) as tf.Scalar;

function run(optimizer: tf.Optimizer, w: tf.Variable, from: number, to: number): void {
  for (let s = from; s < to; s++) optimizer.minimize(loss(w, s), false, [w]);
}

const START = Array.from({ length: 257 }, (_, i) => Math.sin(i * 1.7) * 2);
const start = () => tf.tidy(() => tf.variable(tf.tensor1d(START)));

test.serial('on tfjs-node, makeOptimizer gives the fused optimizers', (t) => {
  if (!node) { t.pass('tfjs-node is not built here'); return; }
  t.true(fusedTrainingOps());
  const adam = makeOptimizer({ name: 'adam', lr: 1e-3 });
  const sgd = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true });
  t.true(isFusedAdam(adam) && !isFusedMomentum(adam));
  t.true(isFusedMomentum(sgd) && !isFusedAdam(sgd));
  const stock = tf.train.adam(1e-3);
  t.false(isFusedAdam(stock), 'tfjs\'s own Adam is not ours');
  stock.dispose();
  adam.dispose();
  sgd.dispose();
});

for (const [name, tfjs, fused] of [
  ['Adam', () => tf.train.adam(1e-2), () => new FusedAdam(1e-2)],
  ['momentum SGD', () => tf.train.momentum(0.05, 0.9, false), () => new FusedMomentum(0.05, 0.9, false)],
  ['Nesterov SGD', () => tf.train.momentum(0.05, 0.9, true), () => new FusedMomentum(0.05, 0.9, true)],
] as const) {
  test.serial(`fused ${name} takes tfjs's steps, and checkpoints pass between the two`, async (t) => {
    if (!node) { t.pass('tfjs-node is not built here'); return; }
    const weights = (make: () => tf.Optimizer, steps: number) => {
      const w = start();
      const o = make();
      run(o, w, 0, steps);
      const out = w.dataSync() as Float32Array;
      o.dispose();
      w.dispose();
      return out;
    };
    const reference = weights(tfjs, 12);
    const moved = Math.max(...reference.map((v, i) => Math.abs(v - START[i])));
    t.true(moved > 0.1, `the steps move the weights (by ${moved})`);
    const err = maxRelativeError(weights(fused, 12), reference);
    t.true(err < 1e-5, `12 steps: relative error ${err}`);

    // Six steps with one, its state saved and restored into the other, six more.
    for (const [first, second, label] of [[tfjs, fused, 'tfjs then fused'], [fused, tfjs, 'fused then tfjs']] as const) {
      const w = start();
      const a = first();
      run(a, w, 0, 6);
      const state = await optimizerState(a);
      a.dispose();
      const b = second();
      await restoreOptimizer(b, state);
      tf.dispose(state.weights.map((x) => x.tensor));
      run(b, w, 6, 12);
      const e = maxRelativeError(w.dataSync() as Float32Array, reference);
      t.true(e < 1e-5, `${label}: relative error ${e}`);
      b.dispose();
      w.dispose();
    }
  });
}

test.serial('a fused optimizer resumes to the bit, leaves no tensor behind, and follows a variable set from outside', async (t) => {
  if (!node) { t.pass('tfjs-node is not built here'); return; }
  const before = tf.memory().numTensors;
  const straight = start();
  const a = new FusedAdam(1e-2);
  run(a, straight, 0, 8);
  const resumed = start();
  const b = new FusedAdam(1e-2);
  run(b, resumed, 0, 4);
  const state = await optimizerState(b);
  b.dispose();
  const c = new FusedAdam(1e-2);
  await restoreOptimizer(c, state);
  tf.dispose(state.weights.map((x) => x.tensor));
  run(c, resumed, 4, 8);
  t.deepEqual(Array.from(resumed.dataSync()), Array.from(straight.dataSync()));
  tf.dispose([straight, resumed]);
  a.dispose();
  c.dispose();
  t.is(tf.memory().numTensors, before, 'optimizers, steps and saved state leave no tensor behind');

  // A model's setWeights replaces a variable's value: the next step starts from the new value.
  const sgd = new FusedMomentum(0.1, 0);
  const w = start();
  const ones = tf.onesLike(w);
  sgd.applyGradients({ [w.name]: ones });
  t.is(w.dataSync()[1], Math.fround(Math.fround(START[1]) - Math.fround(0.1)));
  w.assign(tf.tidy(() => tf.zerosLike(w)));
  sgd.applyGradients({ [w.name]: ones });
  t.true(w.dataSync().every((v) => v === Math.fround(-0.1)), `one step of 0.1 from zeros: ${w.dataSync()[0]}`);
  tf.dispose([w, ones]);
  sgd.dispose();
});

test.serial('a first step inside tf.tidy keeps the optimizer\'s variables', (t) => {
  if (!node) { t.pass('tfjs-node is not built here'); return; }
  const w = start();
  const o = new FusedAdam(1e-2);
  tf.tidy(() => { o.minimize(loss(w, 0), false, [w]); });
  tf.tidy(() => { o.minimize(loss(w, 1), false, [w]); });
  t.notThrows(() => o.dispose());
  w.dispose();
});

test.serial('bad optimizer state is a clear error', async (t) => {
  if (!node) { t.pass('tfjs-node is not built here'); return; }
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const o = new FusedMomentum(0.1, 0.9);
  const saved = [{ name: 'iter', tensor: tf.scalar(0, 'int32') }, { name: 'x/momentum', tensor: tf.zeros([4]) }];
  await o.setWeights(saved);
  t.throws(() => o.minimize(() => tf.sum(w) as tf.Scalar, false, [w]), { message: /optimizer state for '.*' has shape \[4\], the variable \[3\]/ });
  // A checkpoint of another network: state for one variable, a step over two.
  const v = tf.variable(tf.tensor1d([1, 2, 3, 4]));
  const p = new FusedMomentum(0.1, 0.9);
  await p.setWeights([{ name: 'iter', tensor: tf.scalar(0, 'int32') }, { name: 'x/momentum', tensor: tf.zeros([3]) }]);
  t.throws(() => p.minimize(() => tf.add(tf.sum(w), tf.sum(v)) as tf.Scalar, false, [w, v]), { message: /restored holds 1 variables' momentum, this step updates 2/ });
  // Variables in another order than the optimizer first saw them.
  const q = new FusedMomentum(0.1, 0.9);
  q.minimize(() => tf.add(tf.sum(w), tf.sum(v)) as tf.Scalar, false, [w, v]);
  t.throws(() => q.applyGradients([{ name: v.name, tensor: tf.onesLike(v) }, { name: w.name, tensor: tf.onesLike(w) }]), { message: /variable 0 is '.*', this step gives '.*' there/ });
  tf.dispose(saved.map((x) => x.tensor));
  [o, p, q].forEach((x) => x.dispose());
  tf.dispose([w, v]);
});

test.serial('max-pool gradients: oneDNN where windows tile the input, equal to TensorFlow\'s MaxPoolGrad to the bit', (t) => {
  if (!node) { t.pass('tfjs-node is not built here'); return; }
  const backend = tf.backend() as unknown as { executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor; binding: Record<string, number> };
  const b = backend.binding;
  // ReLU of rounded noise: zeros and equal values everywhere, the ties MNIST's background makes.
  const x = tf.tidy(() => tf.relu(tf.round(tf.randomNormal([6, 12, 10, 5], 0, 2, 'float32', 7)))) as tf.Tensor4D;
  for (const [k, s, pad] of [[2, 2, 'valid'], [3, 3, 'valid'], [3, 2, 'same']] as const) {
    const y = tf.maxPool(x, k, s, pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 8);
    const ours = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xi as tf.Tensor4D, k, s, pad), dy)))(x);
    const theirs = backend.executeSingleOutput('MaxPoolGrad', [
      { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
      { name: 'ksize', type: b.TF_ATTR_INT, value: [1, k, k, 1] },
      { name: 'strides', type: b.TF_ATTR_INT, value: [1, s, s, 1] },
      { name: 'padding', type: b.TF_ATTR_STRING, value: pad.toUpperCase() },
      { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
    ], [x, y, dy]);
    t.deepEqual(Array.from(ours.dataSync()), Array.from(theirs.dataSync()), `${k}x${k} windows, stride ${s}, '${pad}'`);
    t.true(ours.dataSync().some((v) => v !== 0));
    tf.dispose([y, dy, ours, theirs]);
  }
  const before = tf.memory().numTensors;
  const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.maxPool(xi as tf.Tensor4D, 2, 2, 'valid')))(x);
  g.dispose();
  t.is(tf.memory().numTensors, before, 'the gradient leaves no tensor behind');
  x.dispose();
});

test.serial('the training loss: one TensorFlow kernel, the value and gradient of tfjs\'s softmax cross-entropy', (t) => {
  if (!node) { t.pass('tfjs-node is not built here'); return; }
  t.truthy(tf.getKernel(SPARSE_CROSS_ENTROPY, 'tensorflow'));
  const z = tf.tensor2d(Array.from({ length: 6 * 10 }, (_, i) => Math.sin(i * 0.7) * 4), [6, 10]);
  const y = tf.tensor1d([0, 3, 9, 3, 1, 7], 'int32');
  const stock = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), l) as tf.Scalar;
  const ours = (l: tf.Tensor) => meanCrossEntropy(l as tf.Tensor2D, y);
  const [a, b] = [ours, stock].map((f) => tf.valueAndGrad(f)(z));
  t.true(Math.abs(a.value.dataSync()[0] - b.value.dataSync()[0]) < 1e-6, `loss ${a.value.dataSync()[0]} vs ${b.value.dataSync()[0]}`);
  const err = maxRelativeError(a.grad.dataSync() as Float32Array, b.grad.dataSync() as Float32Array);
  t.true(err < 1e-5, `gradient: relative error ${err}`);
  t.true(a.value.dataSync()[0] > 1, 'a loss the check can see');
  tf.dispose([z, y, a.value, a.grad, b.value, b.grad]);
});

test.serial('ReLU6\'s gradient is TensorFlow\'s Relu6Grad: dy where 0 < x < 6', (t) => {
  if (!node) { t.pass('tfjs-node is not built here'); return; }
  const x = tf.tensor1d([-1, 0, 0.5, 3, 5.9, 6, 7]);
  const dy = tf.tensor1d([10, 20, 30, 40, 50, 60, 70]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu6(v), dy)))(x);
  t.deepEqual(Array.from(g.dataSync()), [0, 0, 30, 40, 50, 0, 0]);
  tf.dispose([x, dy, g]);
});
