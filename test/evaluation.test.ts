// The evaluations the shipped models carry (data/models/<dataset>/<name>/evaluation.json, written by
// `npm run eval -- --dataset D --ship`): a sample of each re-measured now must agree with it image by
// image, so that the numbers the chapters show cannot drift from the code; and a model whose weights
// are not the ones measured is not given them.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/backend/init';
import { subset } from '../lib/data/dataset';
import { datasetNames, datasetSpec, loadDataset } from '../lib/data/datasets';
import { correctPerImage, packBits, unpackBits } from '../lib/eval/per-image';
import { chapterEvaluations, checkPoints } from '../lib/chapters/evaluations';
import type { ImageChapter } from '../lib/chapters/image';
import { evaluationPath, evaluationRows, flips, gridPoints, measureEvaluation, shippedEvaluation, ShippedEvaluation, storedBits, weightsSha256 } from '../lib/zoo/evaluation';
import { recipesOf } from '../lib/zoo/recipes';
import { loadShipped, shippedDir } from '../lib/zoo/zoo';
import { tempDir } from './helpers/cli';

test.before(async () => {
  await initBackend({ quiet: true });
});

/** Images re-measured per model and budget: the first batch's first images (their random starts do not depend on the batch's length). */
const SAMPLE = 12;
/**
 * Results that may differ from the stored ones, per model: the evaluation was measured on one CPU and
 * the test may run on another (AVX-512 or AVX2, oneDNN on or off), whose float32 sums round differently;
 * an image whose margin after PGD is within that rounding can land on either side. One image in a
 * model's sample is allowed; more means the code or the weights no longer give the stored numbers.
 */
const FLIPS_ALLOWED = 1;

test('packBits and unpackBits are inverse, 8 images a byte', (t) => {
  const bits = Uint8Array.from({ length: 21 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
  const packed = packBits(bits);
  t.is(Buffer.from(packed, 'base64').length, 3);
  t.deepEqual(unpackBits(packed, 21), bits);
  t.is(Buffer.from(packBits([1, 0, 0, 0, 0, 0, 0, 1]), 'base64')[0], 0x81);
  t.throws(() => unpackBits(packed, 30), { message: /30 images is 4 bytes, this one is 3/ });
});

test('a run over the first m images repeats the first m results of a longer run, and extends batch by batch', async (t) => {
  const { model } = await loadShipped('mnist', 'small-standard');
  const data = await loadDataset('mnist', 'sample', { limit: 60 });
  const attack = { threat: 'l2', eps: 2, steps: 5 };
  const all = await correctPerImage(model, data, { attack, seed: 3, batchSize: 20 });
  t.deepEqual(await correctPerImage(model, data, { attack, seed: 3, batchSize: 20, to: 7 }), all.slice(0, 7));
  t.deepEqual(await correctPerImage(model, data, { attack, seed: 3, batchSize: 20, from: 20, to: 60 }), all.slice(20));
  t.true(all.some((b) => b === 0) && all.some((b) => b === 1), 'the attack succeeds on some images and not on others');
  await t.throwsAsync(correctPerImage(model, data, { batchSize: 20, from: 10 }), { message: /from must be a multiple of the batch size 20, got 10/ });
  model.dispose();
});

test('measureEvaluation writes every grid point with its provenance, resumes from its checkpoint and extends to more images', async (t) => {
  const dir = tempDir('evaluation');
  const { model } = await loadShipped('mnist', 'small-standard');
  const data = await loadDataset('mnist', 'sample', { limit: 60 });
  const settings = { split: 'test', steps: 2, stepScale: 2.5, randomStart: true as const, restarts: 1 as const, seed: 0, batchSize: 20 };
  const opts = { settings, cleanN: 60, provenance: { command: 'test', commit: 'abc', libDirty: false }, partial: path.join(dir, 'partial.json'), dest: path.join(dir, 'evaluation.json') };
  const short = await measureEvaluation('mnist', 'small-standard', model, data, { ...opts, n: 40 });
  t.is(short.weightsSha256, weightsSha256(shippedDir('mnist', 'small-standard')));
  t.deepEqual(short.points.map((p) => [p.threat, p.eps, p.n]), gridPoints('mnist').map((p) => [p.threat, p.eps, 40]));
  t.is(short.clean.n, 60);
  t.false(fs.existsSync(opts.partial), 'the checkpoint is gone once the evaluation is written');
  // Every row of the table on the 40 images attacked, eps 0 included; all 60 clean ones are short.clean.
  t.deepEqual(evaluationRows(short).filter((r) => r.eps === 0).map((r) => r.n), [40, 40]);
  t.is(evaluationRows(short)[0].std_acc, storedBits(short, 'clean', 0, 40).reduce((a, b) => a + b, 0) / 40);
  const long = await measureEvaluation('mnist', 'small-standard', model, data, { ...opts, n: 60 });
  const fresh = await correctPerImage(model, data, { attack: { threat: 'linf', eps: 0.1, steps: 2 }, seed: 0, batchSize: 20 });
  t.deepEqual(storedBits(long, 'linf', 0.1, 60), fresh);
  t.deepEqual(storedBits(long, 'linf', 0.1, 40), storedBits(short, 'linf', 0.1, 40));
  const rows = evaluationRows(long);
  t.deepEqual(rows.filter((r) => r.eps === 0).map((r) => r.n), [60, 60]);
  t.is(rows.find((r) => r.threat === 'l2' && r.eps === 1)!.robust_acc, long.points.find((p) => p.threat === 'l2' && p.eps === 1)!.acc);
  model.dispose();
});

for (const dataset of datasetNames()) {
  test(`every shipped ${dataset} model's stored evaluation agrees, image by image, with ${SAMPLE} images re-measured now`, async (t) => {
    const data = subset(await loadDataset(dataset, 'sample'), 0, SAMPLE);
    const ch = { spec: { name: dataset, epsGrids: datasetSpec(dataset).epsGrids } } as unknown as ImageChapter;
    for (const r of recipesOf(dataset)) {
      const file = evaluationPath(dataset, r.name);
      t.true(fs.existsSync(file), `${file} is missing: npm run eval -- --dataset ${dataset} --ship --models ${r.name}`);
      if (!fs.existsSync(file)) continue;
      const ev = JSON.parse(fs.readFileSync(file, 'utf8')) as ShippedEvaluation;
      t.is(ev.weightsSha256, weightsSha256(shippedDir(dataset, r.name)), `${r.name}: measured on other weights than those shipped`);
      t.deepEqual(ev.points.map((p) => [p.threat, p.eps]), gridPoints(dataset).map((p) => [p.threat, p.eps]), `${r.name}: the chapter's grid`);
      for (const p of [ev.clean, ...ev.points]) t.is(unpackBits(p.bits, p.n).reduce((a, b) => a + b, 0), p.correct, `${r.name} ${p.threat} ${p.eps}: count`);
      const { model } = await loadShipped(dataset, r.name);
      const s = ev.settings;
      let flipped: string[] = [];
      const clean = await correctPerImage(model, data, { seed: s.seed, batchSize: s.batchSize });
      flipped = flipped.concat(flips(storedBits(ev, 'clean', 0, SAMPLE), clean).map((i) => `clean image ${i}`));
      for (const { threat, eps } of checkPoints(ch)) {
        const live = await correctPerImage(model, data, { attack: { threat, eps, steps: s.steps, stepScale: s.stepScale }, seed: s.seed, batchSize: s.batchSize });
        flipped = flipped.concat(flips(storedBits(ev, threat, eps, SAMPLE), live).map((i) => `${threat} ${eps} image ${i}`));
      }
      model.dispose();
      t.true(flipped.length <= FLIPS_ALLOWED, `${dataset}/${r.name}: ${flipped.join(', ')}`);
      if (flipped.length) t.log(`${dataset}/${r.name}: within tolerance, ${flipped.join(', ')}`);
    }
  });
}

test('a model whose weights are not the ones measured gets no stored evaluation', (t) => {
  const [dataset, name] = datasetNames().flatMap((d) => recipesOf(d).map((r) => [d, r.name])).find(([d, m]) => fs.existsSync(evaluationPath(d, m))) ?? [];
  if (!dataset || !name) {
    t.fail('no shipped model has a stored evaluation');
    return;
  }
  const dir = tempDir('weights');
  const bytes = fs.readFileSync(path.join(shippedDir(dataset, name), 'weights.bin'));
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
  t.truthy(shippedEvaluation(dataset, name, weightsSha256(shippedDir(dataset, name))));
  t.is(shippedEvaluation(dataset, name, weightsSha256(dir)), null);
  t.is(shippedEvaluation(dataset, name, undefined), null);
  // A chapter that trains its models, or whose student asks to remeasure, shows none.
  const models = { [name]: {} };
  t.deepEqual(chapterEvaluations({ spec: { name: dataset }, sizes: { train: true }, remeasure: false, models } as unknown as ImageChapter), {});
  t.deepEqual(chapterEvaluations({ spec: { name: dataset }, sizes: { train: false }, remeasure: true, models } as unknown as ImageChapter), {});
  t.deepEqual(Object.keys(chapterEvaluations({ spec: { name: dataset }, sizes: { train: false }, remeasure: false, models } as unknown as ImageChapter)), [name]);
});
