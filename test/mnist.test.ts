// The MNIST chapter's library: the models we ship, float16 storage, recipes, Figure 1's sweep, the explorer.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { loadMnist } from '../lib/data/mnist';
import { batchTensors, subset } from '../lib/data/dataset';
import { evaluate } from '../lib/eval/accuracy';
import { fromFloat16Bits, toFloat16Bits } from '../lib/io/float16';
import { readCsv } from '../lib/io/csv';
import { loadModel, saveModel } from '../lib/models/io';
import { madryCnn } from '../lib/models/cnn';
import { loadShipped, modelsDir, shipRun, trainRecipe } from '../lib/zoo/zoo';
import * as zlib from 'zlib';
import { explorerData } from '../lib/plots/explorer';
import { unshuffle } from '../lib/live/unpack';
import { accuracyTable } from '../lib/plots/chapter-figures';
import { redBlue } from '../lib/figures/gradients';
import { MNIST_RECIPES, recipeFlags } from '../lib/zoo/recipes';
import { makeOptimizer, setLearningRate } from '../lib/train/optimizer';
import { trainSizeSweep } from '../lib/zoo/train-size';
import { adversarialSpec, warmedUp } from '../lib/train/loop';
import { atOdds, tempDir } from './helpers/cli';

test.before(async () => {
  await initBackend({ quiet: true });
});

test('float16 encoding rounds to the nearest half, ties to even, with subnormals, infinity and NaN', (t) => {
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [1 / 3, 0x3555], [0.1, 0x2e66],
    [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    [-0, 0x8000], [Infinity, 0x7c00],
  ];
  for (const [v, bits] of cases) t.is(toFloat16Bits(v), bits, `${v}`);
  t.true(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  for (const [v, bits] of cases.filter(([v]) => Math.abs(v) <= 65504)) t.true(Math.abs(fromFloat16Bits(bits) - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25, `${v}`);
});

test('a model saved as float16 takes half the bytes and loads with weights within half-precision rounding', async (t) => {
  const model = madryCnn('small', 3);
  const [full, half] = [tempDir('f32'), tempDir('f16')];
  await saveModel(model, full);
  await saveModel(model, half, { float16: true });
  t.is(fs.statSync(path.join(half, 'weights.bin')).size * 2, fs.statSync(path.join(full, 'weights.bin')).size);
  const loaded = await loadModel(half);
  const [a, b] = [model.getWeights(), loaded.getWeights()];
  let worst = 0;
  a.forEach((w, i) => {
    const [x, y] = [w.dataSync(), b[i].dataSync()];
    for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs(x[k] - y[k]) - Math.abs(x[k]) * 2 ** -11);
  });
  t.true(worst <= 2 ** -25, `excess error ${worst}`);
  model.dispose();
  loaded.dispose();
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

test('every recipe has its model in data/models/mnist, trained as the recipe says, under 30 MB together', (t) => {
  let bytes = 0;
  for (const r of MNIST_RECIPES) {
    const dir = path.join(modelsDir('mnist'), r.name);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'training.json'), 'utf8'));
    t.deepEqual(record.recipe, JSON.parse(JSON.stringify(r)), r.name);
    t.is(record.history.length, r.epochs, `${r.name}: epochs`);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    t.true(json.weightsManifest[0].weights.every((w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'float16'), `${r.name}: float16`);
    bytes += fs.statSync(path.join(dir, 'weights.bin')).size;
  }
  t.true(bytes < 30e6, `${bytes} bytes`);
  t.regex(recipeFlags('mnist', MNIST_RECIPES.find((r) => r.name === 'linf-0.3')!), /--model madry --epochs 10 --threat linf --eps 0\.3 --steps 10 --step-size 0\.03 --optimizer adam --lr 0\.0003 --milestones 8/);
});

test('the shipped models: standard is accurate and not robust, l_inf 0.3 is robust (embedded test digits)', async (t) => {
  const digits = await loadMnist('sample');
  const few = subset(digits, 0, 200);
  const attack = { threat: 'linf' as const, eps: 0.3, steps: 20, stepSize: 0.025 };
  const standard = (await loadShipped('mnist', 'standard')).model;
  const robust = (await loadShipped('mnist', 'linf-0.3')).model;
  const s = await evaluate(standard, digits);
  t.true(s.std_acc >= 0.99, `standard model: ${s.std_acc} on ${digits.n} digits`);
  const sAdv = await evaluate(standard, few, { attack });
  t.true(sAdv.robust_acc < 0.05, `standard model under PGD eps 0.3: ${sAdv.robust_acc}`);
  const r = await evaluate(robust, few, { attack });
  t.true(r.std_acc >= 0.97 && r.robust_acc >= 0.85, `l_inf 0.3 model: ${r.std_acc} standard, ${r.robust_acc} robust`);
  standard.dispose();
  robust.dispose();
});

test('the full profile trains a recipe where the quick one reads it, and a second call resumes instead of retraining', async (t) => {
  const digits = subset(await loadMnist('sample'), 0, 200);
  const out = tempDir('recipe');
  const first = await trainRecipe('mnist', 'small-standard', digits, out);
  t.deepEqual(first.record.history.map((h) => h.lr), [1e-3, 1e-3, 1e-4], 'the recipe\'s 3 epochs and its milestone');
  const again = await trainRecipe('mnist', 'small-standard', digits, out);
  t.deepEqual(again.record.history, first.record.history, 'nothing retrained');
  const [a, b] = [first.model.getWeights(), again.model.getWeights()];
  t.deepEqual(Array.from(a[0].dataSync()), Array.from(b[0].dataSync()));
  first.model.dispose();
  again.model.dispose();
});

test('recipes: the CLI refuses a recipe with protocol flags, an unknown recipe, and shipping a run on a subset', async (t) => {
  const clash = atOdds(['train', '--dataset', 'mnist', '--recipe', 'standard', '--lr', '0.1', '--out', tempDir('clash')]);
  t.is(clash.code, 1);
  t.regex(clash.stderr, /--recipe standard fixes the protocol: drop --lr, or drop --recipe/);
  const unknown = atOdds(['train', '--dataset', 'mnist', '--recipe', 'huge', '--out', tempDir('unknown')]);
  t.regex(unknown.stderr, /no MNIST recipe 'huge': choose from standard, linf-0\.3, small-standard/);
  const run = tempDir('subset-run');
  const trained = atOdds(['train', '--dataset', 'mnist', '--recipe', 'small-standard', '--limit', '100', '--out', run], { AT_ODDS_TRAIN_SPLIT: 'sample' });
  t.is(trained.code, 0, trained.stderr);
  await t.throwsAsync(shipRun('mnist', 'small-standard', run, tempDir('dest')), { message: /trained on 100 images; shipped models train on all 60,000/ });
  await t.throwsAsync(shipRun('mnist', 'standard', run, tempDir('dest')), { message: /was not trained with the recipe 'standard'/ });
});

test('Figure 1 sweep: one row per (size, eps_train), epochs = images seen / size, and a rerun trains nothing', async (t) => {
  const digits = await loadMnist('sample');
  const [trainSet, testSet] = [subset(digits, 0, 1000), subset(digits, 1000, 1500)];
  const spec = { architecture: 'small' as const, sizes: [50, 200], threat: 'linf' as const, epsList: [0, 0.1], pgdSteps: 2, imagesSeen: 400, lr: 1e-3, batchSize: 50, seed: 0 };
  const out = tempDir('sweep');
  const rows = await trainSizeSweep(spec, trainSet, testSet, out);
  t.deepEqual(rows.map((r) => [r.n, r.eps_train, r.epochs, r.test_n]), [[50, 0, 8, 500], [50, 0.1, 8, 500], [200, 0, 2, 500], [200, 0.1, 2, 500]]);
  const std200 = rows.find((r) => r.n === 200 && r.eps_train === 0)!.std_acc;
  t.true(std200 > 0.5, `200 digits, 2 epochs: ${std200}`);
  const csv = path.join(out, 'train-size.csv');
  const written = fs.statSync(csv).mtimeMs;
  t.deepEqual(await trainSizeSweep(spec, trainSet, testSet, out), rows);
  t.is(fs.statSync(csv).mtimeMs, written, 'nothing retrained');
  t.deepEqual(readCsv(csv).length, 4);
  await t.throwsAsync(trainSizeSweep({ ...spec, sizes: [5000] }, trainSet, testSet, out), { message: /training-set size 5000 must be an integer in 50\.\.1000/ });
});

test.serial('the epsilon explorer carries its models, images and starting state into the page', async (t) => {
  const digits = await loadMnist('sample');
  const { x, y } = batchTensors(digits, [0, 1, 2]);
  const model = madryCnn('small', 5);
  const held = tf.memory().numTensors;
  const data = await explorerData({ a: model, b: model }, x, y, { eps: 0.1, steps: 3 });
  t.is(tf.memory().numTensors, held, 'no tensor left behind');
  t.deepEqual([data.models.map((m) => m.name), data.images.shape, data.labels, data.initial], [['a', 'b'], [3, 28, 28, 1], Array.from(y.dataSync()), { norm: 'linf', eps: 0.1, steps: 3, target: null, selected: [0, 1, 2] }]);
  t.true(data.canDraw, 'MNIST digits can be drawn');
  // The images and weights survive the trip: bytes for pixels, float16 weights, packed.
  const pixels = new Uint8Array(zlib.gunzipSync(Buffer.from(data.images.pixels, 'base64')));
  t.deepEqual(Array.from(pixels.slice(0, 784)), Array.from(x.slice([0], [1]).dataSync(), (v) => Math.round(v * 255)));
  const weights = unshuffle(new Uint8Array(zlib.gunzipSync(Buffer.from(data.models[0].weights, 'base64'))), 2);
  const first = model.getWeights()[0].dataSync();
  t.is(fromFloat16Bits(weights[0] | (weights[1] << 8)), fromFloat16Bits(toFloat16Bits(first[0])));
  await t.throwsAsync(explorerData({ f: (z: tf.Tensor4D) => tf.zeros([z.shape[0], 10]) as tf.Tensor2D }, x, y, { eps: 0.1 }), { message: /'f' is a function; the page needs a tf.LayersModel/ });
  await t.throwsAsync(explorerData({ a: model }, x, tf.tensor1d([1, 2], 'int32'), { eps: 0.1 }), { message: /3 images but 2 labels/ });
  tf.dispose([x, y]);
  model.dispose();
});

test('red-blue colouring of signed gradients and the accuracy table', (t) => {
  const rgb = redBlue(tf.tensor4d([1, -1, 0, 0.5], [1, 2, 2, 1]));
  t.deepEqual(Array.from(rgb.dataSync()), [1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0.5, 0.5]);
  rgb.dispose();
  const table = accuracyTable([
    { model: 'm', threat: 'linf', eps: 0, std_acc: 0.99, robust_acc: 0.99, n: 10 },
    { model: 'm', threat: 'linf', eps: 0.3, std_acc: 0.99, robust_acc: 0.9, n: 10 },
  ]);
  t.is(table, '| model | standard | ℓ∞ ε=0.3 |\n| --- | --- | --- |\n| m | 99.0% | 90.0% |');
});
