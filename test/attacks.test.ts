// Threat models and PGD: analytic worst cases on linear models, constraints, restarts, targets, errors.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { linf, l2 } from '../lib/attacks/threat';
import { attackCrossEntropy, crossEntropy, fgsm, pgd, pgdSteps } from '../lib/attacks/pgd';
import { attackSpec, fgsmSpec, scaledAttack } from '../lib/attacks/spec';
import { interpolate, largeEpsExamples } from '../lib/attacks/large-eps';
import { madryCnn } from '../lib/models/cnn';
import { seededRng } from '../lib/random';
import { robustCurve } from '../lib/eval/accuracy';
import { robustCurveFigure } from '../lib/plots/robustness';
import { loadMnist } from '../lib/data/mnist';

test.before(async () => {
  await initBackend({ quiet: true });
});

const SHAPE: [number, number, number, number] = [6, 4, 4, 2];
const DIM = 4 * 4 * 2;

/** logits [0, w.x + b]: the margin of class 1 is w.x + b. */
function linearModel(w: Float32Array, b: number) {
  const wt = tf.tensor2d(w, [DIM, 1]);
  const model = (x: tf.Tensor4D) => tf.tidy(() => tf.concat([tf.zerosLike(tf.zeros([x.shape[0], 1])), tf.add(tf.matMul(x.reshape([x.shape[0], DIM]), wt), b)], 1) as tf.Tensor2D);
  const margins = (x: tf.Tensor4D) => tf.tidy(() => Array.from(tf.add(tf.matMul(x.reshape([x.shape[0], DIM]), wt), b).dataSync()));
  return { model, margins, dispose: () => wt.dispose() };
}

function fixture(seed: number) {
  const rng = seededRng(seed);
  const w = Float32Array.from({ length: DIM }, () => rng.normal());
  // Pixels in [0.3, 0.7] and small budgets, so the pixel range never binds and the worst case is analytic.
  const x = tf.tensor4d(Float32Array.from({ length: SHAPE.reduce((a, b) => a * b) }, () => 0.3 + 0.4 * rng.uniform()), SHAPE);
  const y = tf.ones([SHAPE[0]], 'int32') as tf.Tensor1D;
  return { w, x, y };
}

test('l_inf PGD on a linear model reaches the analytic worst case eps * ||w||_1', (t) => {
  const { w, x, y } = fixture(1);
  const lin = linearModel(w, 0.5);
  const eps = 0.05;
  const xAdv = pgd(lin.model, x, y, { threat: 'linf', eps, steps: 10, stepSize: eps / 4, seed: 3 });
  const l1 = w.reduce((a, v) => a + Math.abs(v), 0);
  const [before, after] = [lin.margins(x), lin.margins(xAdv)];
  before.forEach((m, i) => t.true(Math.abs(after[i] - (m - eps * l1)) < 1e-4, `example ${i}: ${after[i]} vs ${m - eps * l1}`));
  tf.dispose([x, y, xAdv]);
  lin.dispose();
});

test('l_2 PGD on a linear model reaches the analytic worst case eps * ||w||_2', (t) => {
  const { w, x, y } = fixture(2);
  const lin = linearModel(w, 0.5);
  const eps = 0.2;
  const xAdv = pgd(lin.model, x, y, { threat: 'l2', eps, steps: 30, stepSize: eps / 4, seed: 3 });
  const norm2 = Math.sqrt(w.reduce((a, v) => a + v * v, 0));
  const [before, after] = [lin.margins(x), lin.margins(xAdv)];
  before.forEach((m, i) => t.true(Math.abs(after[i] - (m - eps * norm2)) < 1e-3, `example ${i}: ${after[i]} vs ${m - eps * norm2}`));
  tf.dispose([x, y, xAdv]);
  lin.dispose();
});

test('every iterate stays in the eps-ball and the pixel range', (t) => {
  const model = madryCnn('small', 1);
  const rng = seededRng(4);
  // Pixels at 0 and 1 as MNIST has them, so that the pixel range does bind.
  const x = tf.tensor4d(Float32Array.from({ length: 8 * 28 * 28 }, () => (rng.uniform() < 0.5 ? 0 : rng.uniform() < 0.5 ? 1 : rng.uniform())), [8, 28, 28, 1]);
  const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
  for (const [norm, eps, stepSize] of [['linf', 0.3, 0.1], ['l2', 2, 0.7]] as const) {
    for (let k = 1; k <= 6; k++) {
      // Runs with the same seed share their first k iterates, so the k-step result is iterate k.
      const xAdv = pgd(model, x, y, { threat: norm, eps, steps: k, stepSize, seed: 9 });
      const [lo, hi, dist] = tf.tidy(() => {
        const d = tf.sub(xAdv, x);
        const dist = norm === 'linf' ? tf.max(tf.abs(d)) : tf.max(tf.sqrt(tf.sum(tf.square(d), [1, 2, 3])));
        return [tf.min(xAdv).dataSync()[0], tf.max(xAdv).dataSync()[0], dist.dataSync()[0]];
      });
      t.true(lo >= 0 && hi <= 1, `${norm} iterate ${k}: pixels in [${lo}, ${hi}]`);
      t.true(dist <= eps * (1 + 1e-5), `${norm} iterate ${k}: distance ${dist} > eps ${eps}`);
      xAdv.dispose();
    }
  }
  tf.dispose([x, y]);
  model.dispose();
});

test('PGD\'s stepper is project(step(...)) to the bit, with pixels at the range\'s ends and steps past the ball', (t) => {
  const rng = seededRng(11);
  const x = tf.tensor4d(Float32Array.from({ length: 4 * 6 * 6 * 3 }, () => (rng.uniform() < 0.3 ? 0 : rng.uniform() < 0.3 ? 1 : rng.uniform())), [4, 6, 6, 3]);
  const xAdv = tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomUniform(x.shape, -0.4, 0.4, 'float32', 3)), 0, 1) as tf.Tensor4D);
  const grad = tf.tidy(() => tf.mul(tf.randomNormal(x.shape, 0, 1, 'float32', 5), tf.cast(tf.greater(tf.randomUniform(x.shape, 0, 1, 'float32', 6), 0.2), 'float32')) as tf.Tensor4D);
  for (const threat of [linf(0.1), linf(8 / 255), linf(0), linf(0.3, [-0.5, 1.5]), l2(0.5), l2(3)]) {
    for (const stepSize of [0.01, 2 / 255, 0.25]) {
      const held = tf.memory().numTensors;
      const stepper = threat.stepper(x, stepSize);
      const [a, b] = [stepper.next(xAdv, grad), tf.tidy(() => threat.project(threat.step(xAdv, grad, stepSize), x))];
      stepper.dispose();
      t.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), `${threat.norm} eps ${threat.eps} [${threat.bounds}], step ${stepSize}`);
      tf.dispose([a, b]);
      t.is(tf.memory().numTensors, held, 'the stepper keeps nothing once disposed');
    }
  }
  tf.dispose([x, xAdv, grad]);
});

function meanLoss(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D): number {
  return tf.tidy(() => tf.mean(crossEntropy(model.apply(x) as tf.Tensor2D, y)).dataSync()[0]);
}

test('the loss rises with more PGD steps, and more restarts are never worse per example', (t) => {
  const model = madryCnn('small', 2);
  const rng = seededRng(5);
  const x = tf.tensor4d(Float32Array.from({ length: 16 * 28 * 28 }, () => rng.uniform()), [16, 28, 28, 1]);
  const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32');
  const losses = [0, 1, 2, 5, 10, 20].map((k) => {
    if (k === 0) return meanLoss(model, x, y);
    const xAdv = pgd(model, x, y, { eps: 0.1, steps: k, stepSize: 0.01, randomStart: false });
    const l = meanLoss(model, xAdv, y);
    xAdv.dispose();
    return l;
  });
  for (let i = 1; i < losses.length; i++) t.true(losses[i] >= losses[i - 1] - 1e-6, `losses ${losses}`);
  t.true(losses[losses.length - 1] > losses[0], 'the attack does something');

  const perExample = (xa: tf.Tensor4D) => tf.tidy(() => {
    const z = model.apply(xa) as tf.Tensor2D;
    return { loss: Array.from(crossEntropy(z, y).dataSync()), fooled: Array.from(tf.notEqual(z.argMax(-1), y).dataSync()) };
  });
  const opts = { eps: 0.05, steps: 3, stepSize: 0.02, seed: 11 };
  const one = pgd(model, x, y, { ...opts, restarts: 1 });
  const five = pgd(model, x, y, { ...opts, restarts: 5 });
  const [a, b] = [perExample(one), perExample(five)];
  for (let i = 0; i < 16; i++) {
    t.true(b.fooled[i] >= a.fooled[i], `example ${i}: fooled by 1 restart but not by 5`);
    if (a.fooled[i] === b.fooled[i]) t.true(b.loss[i] >= a.loss[i] - 1e-6, `example ${i}: loss ${b.loss[i]} < ${a.loss[i]}`);
  }
  tf.dispose([x, y, one, five]);
  model.dispose();
});

test('a targeted attack raises the target class', (t) => {
  const model = madryCnn('small', 3);
  const rng = seededRng(6);
  const x = tf.tensor4d(Float32Array.from({ length: 10 * 28 * 28 }, () => rng.uniform()), [10, 28, 28, 1]);
  const y = tf.tensor1d(Array.from({ length: 10 }, (_, i) => i), 'int32');
  const target = tf.tensor1d(Array.from({ length: 10 }, (_, i) => (i + 3) % 10), 'int32');
  const logProb = (xa: tf.Tensor4D) => tf.tidy(() => Array.from(tf.sum(tf.mul(tf.logSoftmax(model.apply(xa) as tf.Tensor2D), tf.oneHot(target, 10)), -1).dataSync()));
  const xAdv = pgd(model, x, y, { threat: 'l2', eps: 3, steps: 20, stepSize: 0.5, targets: target });
  const [before, after] = [logProb(x), logProb(xAdv)];
  before.forEach((b, i) => t.true(after[i] > b, `example ${i}: log p(target) ${b} -> ${after[i]}`));
  const big = largeEpsExamples(model, x, target, { eps: 10, steps: 30, stepSize: 1 });
  const hits = tf.tidy(() => tf.sum(tf.equal(tf.argMax(model.apply(big) as tf.Tensor2D, -1), target)).dataSync()[0]);
  t.is(hits, 10, 'a large budget reaches every target on a random model');
  tf.dispose([x, y, target, xAdv, big]);
  model.dispose();
});

test('FGSM is one signed step of size eps; interpolation runs from x to xAdv', (t) => {
  const { w, x, y } = fixture(7);
  const lin = linearModel(w, 0);
  const eps = 0.03;
  const xAdv = fgsm(lin.model, x, y, { eps });
  const expected = tf.tidy(() => tf.sub(x, tf.mul(tf.sign(tf.tensor(w).reshape([4, 4, 2])), eps)));
  t.true(tf.tidy(() => tf.max(tf.abs(tf.sub(xAdv, expected))).dataSync()[0]) < 1e-6);
  const frames = interpolate(x, xAdv, 20);
  t.deepEqual(frames.shape, [20, ...SHAPE]);
  t.true(tf.tidy(() => tf.max(tf.abs(tf.sub(frames.slice([0], [1]).squeeze([0]), x))).dataSync()[0]) < 1e-6);
  t.true(tf.tidy(() => tf.max(tf.abs(tf.sub(frames.slice([19], [1]).squeeze([0]), xAdv))).dataSync()[0]) < 1e-6);
  t.throws(() => interpolate(x, xAdv, 1), { message: /frames must be an integer >= 2/ });
  tf.dispose([x, y, xAdv, expected, frames]);
  lin.dispose();
});

test('the cross-entropy and its hand-written gradient match tfjs\'s own', (t) => {
  const rng = seededRng(8);
  const z = tf.tensor2d(Float32Array.from({ length: 5 * 7 }, () => 3 * rng.normal()), [5, 7]);
  const y = tf.tensor1d([0, 6, 2, 2, 4], 'int32');
  const w = tf.tensor1d([1, -2, 0.5, 3, 1]);
  const ours = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(crossEntropy(l as tf.Tensor2D, y), w)))(z);
  const theirs = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(tf.losses.softmaxCrossEntropy(tf.oneHot(y, 7), l, undefined, undefined, tf.Reduction.NONE), w)))(z);
  t.true(tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]) < 1e-5);
  const values = tf.tidy(() => tf.sub(crossEntropy(z, y), tf.losses.softmaxCrossEntropy(tf.oneHot(y, 7), z, undefined, undefined, tf.Reduction.NONE)));
  t.true(tf.tidy(() => tf.max(tf.abs(values)).dataSync()[0]) < 1e-5);
  tf.dispose([z, y, w, ours, theirs, values]);
});

test('the attack loss: cross-entropy, with a gradient scaled per example that survives a confident model', (t) => {
  const z = tf.tensor2d([[2, -1, 0.5], [0, 3, -2], [150, 20, 10]], [3, 3]);
  const y = tf.tensor1d([0, 2, 0], 'int32');
  const grad = (f: typeof crossEntropy) => tf.grad((l: tf.Tensor) => tf.sum(f(l as tf.Tensor2D, y)))(z).arraySync() as number[][];
  const exact = grad(crossEntropy);
  const scaled = grad(attackCrossEntropy);
  t.deepEqual(tf.tidy(() => Array.from(attackCrossEntropy(z, y).dataSync())), tf.tidy(() => Array.from(crossEntropy(z, y).dataSync())));
  // Where the exact gradient is representable, the scaled one is a positive multiple of it.
  for (const i of [0, 1]) {
    const ratio = scaled[i][0] / exact[i][0];
    t.true(ratio > 0);
    scaled[i].forEach((g, k) => t.true(Math.abs(g - ratio * exact[i][k]) < 1e-5 * Math.abs(ratio)));
  }
  // A model sure of class 0 by 130 nats: the exact gradient underflows to zero, the scaled one points
  // at the runner-up (class 1), by exp(10) more than at class 2.
  t.deepEqual(exact[2], [0, 0, 0]);
  t.true(Math.abs(scaled[2][1] - 1) < 1e-6 && Math.abs(scaled[2][2] - Math.exp(-10)) < 1e-6 && Math.abs(scaled[2][0] + 1 + Math.exp(-10)) < 1e-6, `${scaled[2]}`);
  tf.dispose([z, y]);
});

test('PGD one step at a time: the same x_adv, a yield per step, and nothing left when dropped half-way', (t) => {
  const model = madryCnn('small', 4);
  const x = tf.fill([2, 28, 28, 1], 0.5) as tf.Tensor4D;
  const y = tf.tensor1d([1, 2], 'int32');
  const opts = { threat: 'linf' as const, eps: 0.1, steps: 4, stepSize: 0.05, restarts: 2, seed: 3 };
  const whole = pgd(model, x, y, opts);
  const before = tf.memory().numTensors;
  const it = pgdSteps(model, x, y, opts);
  const yielded: number[] = [];
  let r = it.next();
  while (!r.done) { yielded.push(r.value); r = it.next(); }
  t.deepEqual(yielded, [0, 1, 2, 3, 4, 5, 6, 7], 'steps x restarts');
  t.deepEqual(Array.from(r.value.dataSync()), Array.from(whole.dataSync()));
  r.value.dispose();
  t.is(tf.memory().numTensors, before);
  for (const stop of [2, 6]) {
    const dropped = pgdSteps(model, x, y, opts);
    for (let i = 0; i < stop; i++) dropped.next();
    dropped.return(undefined as unknown as tf.Tensor4D);
    t.is(tf.memory().numTensors, before, `dropped after ${stop} steps`);
  }
  tf.dispose([x, y, whole]);
  model.dispose();
});

test('an attack leaks no tensors: only x_adv survives', (t) => {
  const model = madryCnn('small', 4);
  const x = tf.fill([4, 28, 28, 1], 0.5) as tf.Tensor4D;
  const y = tf.tensor1d([1, 2, 3, 4], 'int32');
  const before = tf.memory().numTensors;
  const xAdv = pgd(model, x, y, { threat: 'l2', eps: 1, steps: 3, stepSize: 0.3, restarts: 3 });
  t.is(tf.memory().numTensors, before + 1);
  tf.dispose([x, y, xAdv]);
  model.dispose();
});

test('bad arguments get clear errors', (t) => {
  const model = madryCnn('small', 5);
  const x = tf.fill([2, 28, 28, 1], 0.5) as tf.Tensor4D;
  const y = tf.tensor1d([1, 2], 'int32');
  const base = { eps: 0.1, steps: 2, stepSize: 0.05 };
  t.throws(() => pgd(model, x, y, { ...base, eps: -0.1 }), { message: 'eps must be a number >= 0, got -0.1' });
  t.throws(() => pgd(model, x, y, { ...base, steps: 0 }), { message: 'steps must be an integer >= 1, got 0' });
  t.throws(() => pgd(model, x, y, { ...base, steps: 1.5 }), { message: /steps must be an integer >= 1/ });
  t.throws(() => pgd(model, x, y, { ...base, stepSize: 0 }), { message: /stepSize must be > 0/ });
  t.throws(() => pgd(model, x, y, { ...base, restarts: 0 }), { message: /restarts must be an integer >= 1/ });
  t.throws(() => pgd(model, x, y, { ...base, threat: 'l1' as 'l2' }), { message: "unknown threat model 'l1': use linf or l2" });
  const outside = tf.fill([2, 28, 28, 1], 255) as tf.Tensor4D;
  t.throws(() => pgd(model, outside, y, base), { message: 'inputs must lie in [0,1], found values in [255, 255]' });
  const y3 = tf.tensor1d([1, 2, 3], 'int32');
  t.throws(() => pgd(model, x, y3, base), { message: 'mismatched batch sizes: 2 inputs, 3 labels' });
  t.throws(() => linf(0.1, [1, 0]), { message: /pixel bounds must be \[min, max\]/ });
  // A model whose pixels are in [0, 255] says so, and then such inputs are fine.
  const wide = pgd(model, outside, y, { ...base, eps: 8, stepSize: 2, bounds: [0, 255] });
  t.true(tf.tidy(() => tf.max(wide).dataSync()[0]) <= 255);
  wide.dispose();
  t.throws(() => l2(NaN), { message: /eps must be a number >= 0, got NaN/ });
  tf.dispose([x, y, outside, y3]);
  model.dispose();
});

test('a robust-accuracy curve starts at the standard accuracy and falls with eps', async (t) => {
  const model = madryCnn('small', 6);
  const data = await loadMnist('sample', { limit: 60 });
  const rows = await robustCurve(model, data, { threat: 'l2', epsList: [0, 0.5, 1, 3], steps: 5 });
  t.is(rows[0].robust_acc, rows[0].std_acc);
  for (let i = 1; i < rows.length; i++) t.true(rows[i].robust_acc <= rows[i - 1].robust_acc, `eps ${rows[i].eps}`);
  const fig = robustCurveFigure(rows.map((r) => ({ ...r, model: 'random init' })));
  t.deepEqual(fig.data[0].x, [0, 0.5, 1, 3]);
  t.throws(() => robustCurveFigure([{ ...rows[0], model: 'a' }, { ...rows[1], threat: 'linf', model: 'a' }]), { message: /one threat model per figure/ });
  model.dispose();
});

test('an attack is a value: built once with its defaults, checked, unchanged through JSON', (t) => {
  const a = attackSpec({ threat: 'l2', eps: 2, steps: 40 });
  t.deepEqual(a, { threat: 'l2', eps: 2, steps: 40, stepSize: 2.5 * 2 / 40, randomStart: true, restarts: 1 });
  t.is(attackSpec({ eps: 0.3, steps: 10 }).threat, 'linf');
  t.deepEqual(attackSpec(JSON.parse(JSON.stringify(a))), a, 'a spec read back from a config is the same spec');
  t.deepEqual(attackSpec(a), a);
  t.is(fgsmSpec('linf', 8 / 255).stepSize, 1.25 * 8 / 255);
  t.is(fgsmSpec('linf', 8 / 255).steps, 1);
  const half = scaledAttack(a, 0.5);
  t.deepEqual([half.eps, half.stepSize, half.steps], [1, a.stepSize / 2, 40]);
  t.is(attackSpec({ eps: 0, steps: 5 }).stepSize, 0, 'eps 0 is no attack, with no step');
  t.throws(() => attackSpec({ threat: 'l1', eps: 1, steps: 1 }), { message: "unknown threat model 'l1': use linf or l2" });
  t.throws(() => attackSpec({ eps: Number.NaN, steps: 1 }), { message: 'eps must be a number >= 0, got NaN' });
  t.throws(() => attackSpec({ eps: 0.1, steps: 1, stepSize: 0 }), { message: 'stepSize must be > 0, got 0' });
  t.throws(() => attackSpec({ eps: 0.1, steps: 2, target: 1.5 }), { message: 'target must be a class id (an integer >= 0), got 1.5' });
  t.throws(() => attackSpec({ eps: 0.1, steps: 2, restarts: 0 }), { message: 'restarts must be an integer >= 1, got 0' });
});

test('a target class in the spec is the same attack as that class for every example', (t) => {
  const model = madryCnn('small', 4);
  const rng = seededRng(8);
  const x = tf.tensor4d(Float32Array.from({ length: 3 * 28 * 28 }, () => rng.uniform()), [3, 28, 28, 1]);
  const y = tf.tensor1d([0, 1, 2], 'int32');
  const targets = tf.tensor1d([7, 7, 7], 'int32');
  const before = tf.memory().numTensors;
  const bySpec = pgd(model, x, y, { threat: 'l2', eps: 2, steps: 5, target: 7, randomStart: false });
  t.is(tf.memory().numTensors, before + 1, 'only x_adv survives; the target tensor the spec made is gone');
  const byTensor = pgd(model, x, y, { threat: 'l2', eps: 2, steps: 5, targets, randomStart: false });
  t.deepEqual(Array.from(bySpec.dataSync()), Array.from(byTensor.dataSync()));
  tf.dispose([x, y, targets, bySpec, byTensor]);
  model.dispose();
});

test('a random start is the same for the same seed, 0 included (TensorFlow.js takes 0 for no seed)', (t) => {
  const x = tf.fill([2, 4, 4, 1], 0.5) as tf.Tensor4D;
  for (const threat of [linf(0.1), l2(0.5)]) {
    for (const seed of [0, 1, 7]) {
      const [a, b] = [threat.randomPerturb(x, seed), threat.randomPerturb(x, seed)];
      t.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), `${threat.norm} seed ${seed}`);
      tf.dispose([a, b]);
    }
    const [s1, s2] = [threat.randomPerturb(x, 1), threat.randomPerturb(x, 2)];
    t.notDeepEqual(Array.from(s1.dataSync()), Array.from(s2.dataSync()), 'another seed, another start');
    tf.dispose([s1, s2]);
  }
  x.dispose();
});
