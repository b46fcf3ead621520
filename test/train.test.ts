// Training: resume equals an uninterrupted run; adversarial training buys robustness; bad options; the
// optimizers (Adam, Nesterov SGD) and their schedules; the eps warm-up.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { ImageDataset } from '../lib/data/dataset';
import { evaluate } from '../lib/eval/accuracy';
import { readCsv } from '../lib/io/csv';
import { seededRng } from '../lib/random';
import { adversarialSpec, train, warmedUp } from '../lib/train/loop';
import { learningRate, makeOptimizer, oneCycle, setLearningRate } from '../lib/train/optimizer';
import { tempDir } from './helpers/cli';

test.before(async () => {
  await initBackend({ quiet: true });
});

/**
 * Section 2's distribution in pixels: pixel 0 says the class robustly (0.1 or 0.9, right with
 * probability p = 0.9); the other 63 pixels each lean 0.1 towards it, under noise of 0.2.
 * An l_inf budget of 0.2 flips every weak pixel's lean, and cannot move pixel 0 across 0.5.
 */
function robustVsWeak(n: number, seed: number): ImageDataset {
  const rng = seededRng(seed);
  const images = new Uint8Array(n * 64);
  const labels = new Uint8Array(n);
  const px = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  for (let i = 0; i < n; i++) {
    const y = rng.uniform() < 0.5 ? 0 : 1;
    const s = y === 1 ? 1 : -1;
    labels[i] = y;
    images[i * 64] = px(0.5 + 0.4 * s * (rng.uniform() < 0.9 ? 1 : -1));
    for (let j = 1; j < 64; j++) images[i * 64 + j] = px(0.5 + 0.1 * s + 0.2 * rng.normal());
  }
  return { name: 'robust-vs-weak', images, labels, n, height: 8, width: 8, channels: 1, classes: 2 };
}

function linearModel(seed: number): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
}

test('adversarial training raises robust accuracy over standard training, at a cost in standard accuracy', async (t) => {
  const [trainSet, testSet] = [robustVsWeak(2000, 1), robustVsWeak(1000, 2)];
  const attack = { threat: 'linf' as const, eps: 0.2, steps: 10, stepSize: 0.05 };
  const standard = linearModel(1);
  await train(standard, trainSet, { epochs: 25, batchSize: 50, optimizer: { name: 'adam', lr: 0.1 } });
  const robust = linearModel(1);
  await train(robust, trainSet, { epochs: 25, batchSize: 50, optimizer: { name: 'adam', lr: 0.1 }, adversarial: attack });
  const [s, r] = [await evaluate(standard, testSet, { attack }), await evaluate(robust, testSet, { attack })];
  t.log(`standard: std ${s.std_acc} robust ${s.robust_acc}; adversarial: std ${r.std_acc} robust ${r.robust_acc}`);
  // The standard model leans on the weak pixels: accurate and brittle. The robust one uses pixel 0 alone: about p on both.
  t.true(s.std_acc > 0.99, `standard model's accuracy ${s.std_acc}`);
  t.true(s.robust_acc < 0.05, `standard model's robust accuracy ${s.robust_acc}`);
  t.true(Math.abs(r.robust_acc - 0.9) < 0.03, `adversarially trained robust accuracy ${r.robust_acc}`);
  t.true(r.std_acc < s.std_acc, 'robustness costs standard accuracy here, as Theorem 2.1 says it must');
  standard.dispose();
  robust.dispose();
});

async function weights(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

test('a run interrupted after epoch 1 and resumed ends with the same weights as one run straight through', async (t) => {
  const data = robustVsWeak(400, 3);
  const opts = {
    batchSize: 32, seed: 5, optimizer: { name: 'adam' as const, lr: 0.01 },
    adversarial: { threat: 'linf' as const, eps: 0.1, steps: 3, stepSize: 0.04 },
  };
  const [a, b] = [tempDir('straight'), tempDir('resumed')];
  const straight = linearModel(7);
  const historyA = await train(straight, data, { ...opts, epochs: 3, out: a });
  const first = linearModel(7);
  await train(first, data, { ...opts, epochs: 1, out: b });
  first.dispose();
  // A new process would start from a fresh model: the checkpoint must carry everything.
  const resumed = linearModel(99);
  const historyB = await train(resumed, data, { ...opts, epochs: 3, out: b, resume: true });
  const [wa, wb] = [await weights(straight), await weights(resumed)];
  wa.forEach((w, i) => t.deepEqual(Array.from(wb[i]), Array.from(w), `weight ${i}`));
  t.deepEqual(historyB.map((h) => h.adv_loss), historyA.map((h) => h.adv_loss));
  const log = readCsv(path.join(b, 'log.csv'));
  t.deepEqual(log.map((r) => r.epoch), [1, 2, 3]);
  t.deepEqual(fs.readdirSync(path.join(b, 'checkpoints')), ['epoch-0003'], 'only the latest checkpoint is kept');
  // Resuming a finished run does nothing.
  const again = await train(resumed, data, { ...opts, epochs: 3, out: b, resume: true });
  t.is(again.length, 3);
  straight.dispose();
  resumed.dispose();
});

test('bad training options get clear errors', async (t) => {
  const data = robustVsWeak(100, 4);
  const model = linearModel(1);
  await t.throwsAsync(train(model, data, { epochs: 0 }), { message: 'epochs must be an integer >= 1, got 0' });
  await t.throwsAsync(train(model, data, { epochs: 1, batchSize: 0 }), { message: 'batch size must be an integer in 1..100, got 0' });
  await t.throwsAsync(train(model, data, { epochs: 1, resume: true }), { message: /resume needs the output directory/ });
  await t.throwsAsync(train(model, data, { epochs: 1, optimizer: { name: 'adam', lr: -1 } }), { message: 'learning rate must be > 0, got -1' });
  await t.throwsAsync(train(model, data, { epochs: 1, adversarial: { threat: 'linf', eps: -1, steps: 1, stepSize: 0.1 } }), { message: 'eps must be a number >= 0, got -1' });
  model.dispose();
});

test('Nesterov SGD with weight decay takes PyTorch\'s step, and the piecewise schedule interpolates per batch', (t) => {
  // PyTorch: g = grad + wd w; buf = m buf + g; w -= lr (g + m buf). Two steps on w = [1, -2] with loss sum(w^2)/2 (grad = w).
  const spec = { name: 'sgd' as const, lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 };
  const optimizer = makeOptimizer(spec);
  const w = tf.variable(tf.tensor1d([1, -2]));
  const expected = [1, -2];
  const buf = [0, 0];
  for (let step = 0; step < 2; step++) {
    const { grads } = tf.variableGrads(() => tf.mul(0.5, tf.sum(tf.square(w))) as tf.Scalar, [w]);
    const decayed = { [w.name]: tf.add(grads[w.name], tf.mul(w, spec.weightDecay)) };
    optimizer.applyGradients(decayed);
    tf.dispose([grads, decayed]);
    for (let i = 0; i < 2; i++) {
      const g = expected[i] + spec.weightDecay * expected[i];
      buf[i] = spec.momentum * buf[i] + g;
      expected[i] -= spec.lr * (g + spec.momentum * buf[i]);
    }
  }
  Array.from(w.dataSync()).forEach((v, i) => t.true(Math.abs(v - expected[i]) < 1e-6, `w[${i}] = ${v}, PyTorch's rule gives ${expected[i]}`));
  optimizer.dispose();
  w.dispose();

  const cycle = { name: 'sgd' as const, lr: 0.2, momentum: 0.9, piecewise: oneCycle(2, 10) };
  t.is(learningRate(cycle, 1, 0.5), 0.05, 'a quarter of the way up the ramp');
  t.is(learningRate(cycle, 2, 1), 0.2, 'the peak at the end of epoch 2');
  t.true(Math.abs(learningRate(cycle, 6, 1) - 0.1) < 1e-12, 'half-way down');
  t.is(learningRate(cycle, 12, 1), 0, 'flat past the last knot');
  t.is(learningRate({ name: 'adam', lr: 1e-3, milestones: [2] }, 3, 0.5), 1e-4, 'milestones ignore the fraction');
  t.throws(() => makeOptimizer({ ...cycle, piecewise: [[0, 1]] }), { message: /needs two or more \[epoch, factor\] knots/ });
  t.throws(() => makeOptimizer({ ...spec, weightDecay: -1 }), { message: 'weight decay must be >= 0, got -1' });
});

test('Adam follows the milestone schedule: its first step moves each weight by exactly the learning rate', (t) => {
  const spec = { name: 'adam' as const, lr: 1e-2, milestones: [2] };
  const opt = makeOptimizer(spec);
  setLearningRate(opt, spec, 3);
  const w = tf.variable(tf.tensor1d([1, -1, 0.5]));
  // Adam's first update is lr * m / sqrt(v) = lr * sign(gradient), up to float32 rounding of w (1.2e-7).
  opt.minimize(() => tf.sum(tf.mul(w, tf.tensor1d([3, -0.2, 7]))), false, [w]);
  const moved = Array.from(w.dataSync()).map((v, i) => [1, -1, 0.5][i] - v);
  moved.forEach((m, i) => t.true(Math.abs(m - [1e-3, -1e-3, 1e-3][i]) < 2e-7, `weight ${i} moved ${m}`));
  opt.dispose();
  w.dispose();
});

test('eps warm-up: eps and the step size rise linearly over the warm-up epochs, then stay', (t) => {
  const spec = adversarialSpec({ threat: 'linf', eps: 0.3, steps: 7, stepSize: 0.1, warmupEpochs: 2 });
  const at = (epoch: number, batch: number) => warmedUp(spec, epoch, batch, 10);
  t.is(at(1, 0).eps, 0.3 / 20);
  t.true(Math.abs(at(1, 9).eps - 0.15) < 1e-12 && Math.abs(at(1, 9).stepSize - 0.05) < 1e-12);
  t.is(at(2, 9).eps, 0.3);
  t.is(at(5, 3).eps, 0.3);
  t.is(warmedUp({ ...spec, warmupEpochs: undefined }, 1, 0, 10).eps, 0.3);
});
