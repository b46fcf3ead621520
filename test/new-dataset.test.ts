// A new data set is one entry: a tiny synthetic one (16x16 colour, 4 classes, made here) is registered
// in this file alone, and the generic chapter runs on it: training its recipes, the accuracy table and
// curves, Figure 7's points, Figures 2-4 and the explorer's payload.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { fgsmSpec } from '../lib/attacks/spec';
import type { ImageDataset } from '../lib/data/dataset';
import { datasetNames, registerDataset } from '../lib/data/datasets';
import type { DatasetSpec } from '../lib/data/spec';
import { readCsv } from '../lib/io/csv';
import * as chapter from '../lib/chapters/image';
import { explorerData } from '../lib/plots/explorer';
import { figureModels } from '../lib/zoo/chapter';
import { registerRecipes, Recipe } from '../lib/zoo/recipes';
import { seededRng } from '../lib/random';
import { tempDir } from './helpers/cli';

const SIDE = 16;
const COLOURS = [[220, 40, 40], [40, 200, 40], [40, 40, 220], [200, 200, 40]];

/** Class k: a square of colour k on a noisy grey background, somewhere in the image. */
function toyImages(n: number, seed: number): ImageDataset {
  const rng = seededRng(seed);
  const images = new Uint8Array(n * SIDE * SIDE * 3);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels[i] = k;
    const [oy, ox] = [Math.floor(rng.uniform() * 8), Math.floor(rng.uniform() * 8)];
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const inside = y >= oy && y < oy + 8 && x >= ox && x < ox + 8;
        for (let c = 0; c < 3; c++) images[((i * SIDE + y) * SIDE + x) * 3 + c] = inside ? COLOURS[k][c] : 100 + Math.floor(rng.uniform() * 56);
      }
    }
  }
  return { name: 'toy', images, labels, n, height: SIDE, width: SIDE, channels: 3, classes: 4, classNames: ['red', 'green', 'blue', 'yellow'] };
}

const TOY: DatasetSpec = {
  name: 'toy', title: 'Toy', shape: [SIDE, SIDE, 3], classes: 4, noun: 'square', classNames: ['red', 'green', 'blue', 'yellow'], trainingSetSize: 256,
  load: async (split, opts) => {
    if (split !== 'train' && split !== 'sample') throw new Error(`toy split must be train or sample, got '${split}'`);
    const ds = split === 'train' ? toyImages(256, 1) : toyImages(64, 2);
    return opts?.limit ? { ...ds, n: opts.limit } : ds;
  },
  epsInLevels: true,
  epsGrids: { linf: [0, 8 / 255, 32 / 255], l2: [0, 0.5] },
  training: { batchSize: 32 },
  architectures: { default: 'resnet9-2', families: ['resnet9'], choices: 'resnet9' },
  chapter: { grid: 'resnet9-2', features: { standard: 'standard', 'ℓ∞ 8/255': 'linf-8' }, explorer: { standard: 'standard', robust: 'linf-8' } },
  explorer: { ranges: { linf: { max: 16 / 255, step: 1 / 255 }, l2: { max: 1, step: 0.05 } }, canDraw: false },
  profiles: {
    quick: { train: true, testSplit: 'sample', attackImages: 32, pgdSteps: 3 },
    full: { train: true, testSplit: 'sample', attackImages: 64, pgdSteps: 5 },
  },
};

const recipe = (name: string, adversarial?: Recipe['adversarial']): Recipe => ({
  name, architecture: 'resnet9-2', epochs: 4, batchSize: 32, seed: 0, adversarial,
  optimizer: { name: 'sgd', lr: 0.2, momentum: 0.9, nesterov: true, piecewise: [[0, 0], [1, 1], [4, 0]] },
});

test.before(async () => {
  await initBackend({ quiet: true });
  registerDataset(TOY);
  registerRecipes('toy', [recipe('standard'), recipe('linf-8', fgsmSpec('linf', 8 / 255))]);
});

test.serial('a data set registered in one place runs the generic chapter: training, accuracy, Figure 7, Figures 2-4, the explorer', async (t) => {
  t.true(datasetNames().includes('toy'));
  const outDir = tempDir('toy');
  const quiet = () => {};
  const ch = await chapter.openChapter('toy', { chapter: 'toy', profile: 'quick', outDir, onProgress: quiet });
  t.deepEqual(Object.keys(ch.models), ['standard', 'linf-8'], 'both recipes trained (the profile trains)');
  t.true(fs.existsSync(path.join(outDir, 'models', 'standard', 'checkpoint.json')), 'trained into the chapter\'s folder, resumable');
  t.regex(chapter.modelsSection(ch), /Trained now \(full profile\):[\s\S]*\| standard \| ResNet-9, width 2 [\s\S]*\| linf-8 \| ResNet-9, width 2 \(.*\) \| ℓ∞ ε=8\/255, FGSM from a random start/);

  const acc = await chapter.measureAccuracy(ch);
  t.is(acc.n, 32);
  const rows = readCsv(path.join(outDir, 'accuracy.csv'));
  t.is(rows.length, 2 * (3 + 2), 'a row per model, norm and eps of the data set\'s grids');
  const std = acc.curves.find((r) => r.model === 'standard' && r.eps === 0)!;
  t.true(std.std_acc > 0.6, `the standard network learnt the toy task: ${std.std_acc} on 32 images (chance 0.25)`);
  for (const m of ['standard', 'linf-8']) {
    const linf = acc.curves.filter((r) => r.model === m && r.threat === 'linf').sort((a, b) => a.eps - b.eps);
    t.true(linf.every((r, i) => i === 0 || r.robust_acc <= linf[i - 1].robust_acc + 1e-9), `${m}: robust accuracy falls with eps`);
  }
  t.regex(chapter.accuracySection(acc), /PGD-3 with a random start, on the first n = 32 test images\. [^\n]*95% interval[^\n]*\n\n\| model \| n \| standard \| ℓ∞ ε=8\/255 \| ℓ∞ ε=32\/255 \| ℓ2 ε=0\.5 \|/);
  t.is(chapter.robustCurveFigures(ch, acc).length, 2);

  const points = await chapter.measureEpsTrain(ch);
  t.deepEqual(points.map((p) => [p.threat, p.eps_train, p.model]), [['linf', 0, 'standard'], ['l2', 0, 'standard'], ['linf', 8 / 255, 'linf-8']]);

  const png = await chapter.gradientsFigure(ch, 4);
  t.deepEqual([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
  const before = tf.memory().numTensors;
  const large = chapter.largeEpsAttack(ch, [0, 1], { eps: 2, steps: 5 });
  t.deepEqual(large.x.shape, [8, SIDE, SIDE, 3], 'two images, each towards the 4 classes');
  t.is((await chapter.largeEpsFigures(ch, large)).length, 2, 'a grid per feature model');
  t.is((await chapter.interpolationFigures(ch, large, { image: 1, target: 0, frames: 6 })).length, 2);
  t.is(tf.memory().numTensors, before + 2 + 2, 'only the batch, its targets and the two models\' examples are held');
  tf.dispose([large.x, large.targets, ...Object.values(large.examples)]);

  const html = await chapter.explorerSection(ch, { images: 6, eps: 8 / 255 });
  t.regex(html, /class="at-odds-explorer"/);
  t.regex(html, /6 test squares to choose from/);
  const strip = chapter.testImages(ch, [0, 1, 2, 3]);
  const data = await explorerData(figureModels('toy', 'explorer', ch.models), strip.x, strip.y, { eps: 8 / 255, classNames: TOY.classNames, ranges: TOY.explorer.ranges });
  t.deepEqual(data.images.shape, [4, SIDE, SIDE, 3]);
  t.deepEqual(data.classNames, TOY.classNames);
  t.deepEqual(data.models.map((m) => m.name), ['standard', 'robust']);
  tf.dispose([strip.x, strip.y]);
});

test('a data set is refused where its entry is wrong or taken', (t) => {
  t.throws(() => registerDataset(TOY), { message: "a data set named 'toy' is registered already" });
  t.throws(() => registerDataset({ ...TOY, name: 'Toy Two' }), { message: /lower-case letters, digits and dashes, got 'Toy Two'/ });
  t.throws(() => registerDataset({ ...TOY, name: 'toy2', classNames: ['a'] }), { message: 'toy2: 1 class names for 4 classes' });
  t.throws(() => registerRecipes('toy', []), { message: "the recipes of 'toy' are registered already" });
  t.throws(() => registerRecipes('mnist-like', []), { message: /unknown dataset 'mnist-like'/ });
});
