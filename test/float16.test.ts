// float16: the encoding (lib/io/float16.ts), and models saved in it (lib/models/io.ts).
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/backend/init';
import { fromFloat16Bits, toFloat16Bits } from '../lib/io/float16';
import { loadModel, saveModel } from '../lib/models/io';
import { madryCnn } from '../lib/models/cnn';
import { tempDir } from './helpers/cli';

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
