// The model zoo (lib/zoo/): every data set's recipes, the models we ship for them, training a recipe
// (and resuming it), shipping a run, and Figure 1's training-set-size sweep.
import test, { ExecutionContext } from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/backend/init';
import { subset } from '../lib/data/dataset';
import { datasetNames, datasetSpec, loadDataset } from '../lib/data/datasets';
import { loadMnist } from '../lib/data/mnist';
import { evaluate } from '../lib/eval/accuracy';
import { readCsv } from '../lib/io/csv';
import { EpochRow } from '../lib/train/loop';
import { MNIST_RECIPES, recipe, recipeFlags, recipesOf } from '../lib/zoo/recipes';
import { trainSizeSweep } from '../lib/zoo/train-size';
import { loadShipped, modelsDir, shipRun, trainRecipe } from '../lib/zoo/zoo';
import { tempDir } from './helpers/cli';

test.before(async () => {
  await initBackend({ quiet: true });
});

for (const dataset of datasetNames()) {
  test(`every ${dataset} recipe has its model in data/models/${dataset}, trained as the recipe says, under 30 MB together`, (t) => {
    let bytes = 0;
    for (const r of recipesOf(dataset)) {
      const dir = path.join(modelsDir(dataset), r.name);
      const record = JSON.parse(fs.readFileSync(path.join(dir, 'training.json'), 'utf8'));
      t.deepEqual(record.recipe, JSON.parse(JSON.stringify(r)), r.name);
      t.is(record.history.length, r.epochs, `${r.name}: epochs`);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      t.true(json.weightsManifest[0].weights.every((w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'float16'), `${r.name}: float16`);
      bytes += fs.statSync(path.join(dir, 'weights.bin')).size;
    }
    t.true(bytes < 30e6, `${bytes} bytes`);
  });
}

test('a recipe is the flags that train it', (t) => {
  t.regex(recipeFlags('mnist', MNIST_RECIPES.find((r) => r.name === 'linf-0.3')!), /--model madry --epochs 10 --threat linf --eps 0\.3 --steps 10 --step-size 0\.03 --optimizer adam --lr 0\.0003 --milestones 8/);
  t.regex(recipeFlags('cifar10', recipe('cifar10', 'standard')), /^--dataset cifar10 --model resnet9 --width 16 --epochs 24 --optimizer sgd --lr 0\.2 --lr-knots 0:0,5:1,24:0 --momentum 0\.9 --nesterov --weight-decay 0\.0005 --augment --batch-size 128 --seed 0$/);
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

/** Per data set: a recipe trained on a few embedded test images (one batch an epoch for CIFAR-10), and what its history must be. */
const TRAINED: Record<string, { recipe: string; images: number; history: (t: ExecutionContext, h: EpochRow[]) => void }> = {
  mnist: { recipe: 'small-standard', images: 200, history: (t, h) => t.deepEqual(h.map((e) => e.lr), [1e-3, 1e-3, 1e-4], 'the recipe\'s 3 epochs and its milestone') },
  cifar10: {
    recipe: 'standard', images: 128, history: (t, h) => {
      t.is(h.length, 24);
      t.is(h[23].lr, 0, 'the one-cycle schedule ends at 0');
    },
  },
};

for (const dataset of datasetNames()) {
  test.serial(`${dataset}: the full profile trains a recipe where the quick one reads it, a second call resumes instead of retraining, and only whole runs ship`, async (t) => {
    const { recipe: name, images, history } = TRAINED[dataset];
    const few = subset(await loadDataset(dataset, 'sample'), 0, images);
    const out = tempDir(`${dataset}-zoo`);
    const first = await trainRecipe(dataset, name, few, out);
    history(t, first.record.history);
    const again = await trainRecipe(dataset, name, few, out);
    t.deepEqual(again.record.history, first.record.history, 'nothing retrained');
    t.deepEqual(Array.from(first.model.getWeights()[0].dataSync()), Array.from(again.model.getWeights()[0].dataSync()));
    const other = datasetNames().find((d) => d !== dataset)!;
    await t.throwsAsync(trainRecipe(other, 'standard', few, out), { message: `the ${other} recipe 'standard' trains on ${other}, not on ${dataset}` });
    const r = recipe(dataset, name);
    fs.writeFileSync(path.join(out, 'config.json'), JSON.stringify({ dataset, model: r.architecture, epochs: r.epochs, batchSize: r.batchSize, seed: r.seed, optimizer: r.optimizer, augmentation: r.augmentation, n: images }));
    await t.throwsAsync(shipRun(dataset, name, out, tempDir('dest')), { message: new RegExp(`trained on ${images} images; shipped models train on all ${datasetSpec(dataset).trainingSetSize.toLocaleString('en-US')}`) });
    await t.throwsAsync(shipRun(other, 'standard', out, tempDir('dest')), { message: new RegExp(`trained on ${dataset}, not on ${other}`) });
    first.model.dispose();
    again.model.dispose();
  });
}

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
