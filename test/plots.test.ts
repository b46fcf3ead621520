// Figures, sliders, image grids and CSV files.
import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadImage, createCanvas } from 'canvas';
import { figureHtml, plotlyBundleHtml } from '../lib/plots/figure';
import { imageGrid } from '../lib/plots/grid';
import * as tf from '@tensorflow/tfjs';
import { explorerHtml } from '../lib/plots/explorer';
import { madryCnn } from '../lib/models/cnn';
import { initBackend } from '../lib/backend/init';
import { openHandout } from './helpers/browser';
import { tempDir } from './helpers/cli';
import { readCsv, writeCsv } from '../lib/io/csv';
import { accuracyTable } from '../lib/plots/chapter-figures';
import { NEGATIVE_RGB, orangeBlue, POSITIVE_RGB } from '../lib/figures/gradients';

test('a figure is a div and a script that waits for Plotly, with no way out of its <script>', (t) => {
  const html = figureHtml({ data: [{ x: [1, 2], y: [3, 4], name: '</script><b>' }] });
  t.regex(html, /<div class="at-odds-figure" id="fig-[0-9a-f]{12}"/);
  t.false(html.slice(html.indexOf('<script>') + 8).includes('</script><b>'));
  t.is(html, figureHtml({ data: [{ x: [1, 2], y: [3, 4], name: '</script><b>' }] }), 'deterministic');
  const bundle = plotlyBundleHtml();
  t.true(bundle.length > 5e5 && bundle.length < 8e5, `packed bundle is ${bundle.length} bytes`);
  t.is(bundle.match(/<\/script/gi)?.length, 1, 'only the closing tag');
});

test('an image grid puts each image, scaled, in its cell', async (t) => {
  // Two 2x2 gray images: all black, and all white.
  const png = imageGrid({ shape: [2, 2, 2, 1], data: [0, 0, 0, 0, 1, 1, 1, 1] }, { scale: 10, labels: ['black', 'white'] });
  const img = await loadImage(png);
  t.is(img.width, 2 * (20 + 4) + 4);
  const ctx = createCanvas(img.width, img.height).getContext('2d');
  ctx.drawImage(img, 0, 0);
  const at = (x: number, y: number) => Array.from(ctx.getImageData(x, y, 1, 1).data);
  t.deepEqual(at(4 + 10, 4 + 10), [0, 0, 0, 255]);
  t.deepEqual(at(4 + 24 + 10, 4 + 10), [255, 255, 255, 255]);
  const rgb = imageGrid({ shape: [1, 1, 1, 3], data: [1, 0, 0.5] }, { scale: 8 });
  const red = createCanvas(20, 20).getContext('2d');
  red.drawImage(await loadImage(rgb), 0, 0);
  t.deepEqual(Array.from(red.getImageData(8, 8, 1, 1).data), [255, 0, 128, 255]);
});

test('an image grid rejects bad shapes and label counts', (t) => {
  t.throws(() => imageGrid({ shape: [1, 2, 2, 2], data: new Float32Array(8) }), { message: /C = 1 or 3, got \[1, 2, 2, 2\]/ });
  t.throws(() => imageGrid({ shape: [1, 2, 2, 1], data: new Float32Array(3) }), { message: /needs 4 values, got 3/ });
  t.throws(() => imageGrid({ shape: [2, 2, 2, 1], data: new Float32Array(8) }, { labels: ['a'] }), { message: /1 labels for 2 images/ });
});

test('CSV round-trips typed rows, atomically', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-odds-csv-'));
  const file = path.join(dir, 'sub', 'r.csv');
  writeCsv(file, [{ eps: 0.1, acc: 0.99, model: 'standard', robust: false }, { eps: 0.3, acc: 0.5, model: 'a,b', robust: true }]);
  t.deepEqual(readCsv(file), [{ eps: 0.1, acc: 0.99, model: 'standard', robust: false }, { eps: 0.3, acc: 0.5, model: 'a,b', robust: true }]);
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['r.csv'], 'no temporary file left behind');
  t.throws(() => readCsv(path.join(dir, 'missing.csv')), { message: /no CSV file at .*missing\.csv/ });
  t.throws(() => writeCsv(file, []), { message: /no rows/ });
});

test('the same figure and the same explorer open twice on a page (a notebook beside its executed copy) each draw into their own place', async (t) => {
  const fig = figureHtml({ data: [{ x: [0, 1, 2], y: [1, 0.5, 0.2], mode: 'lines+markers' }], layout: { title: { text: 'twice' } } });
  await initBackend({ quiet: true });
  const model = madryCnn('small', 3);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tensor1d([3, 5], 'int32');
  const explorer = await explorerHtml({ m: model }, x, y, { eps: 0.1, steps: 2 });
  tf.dispose([x, y]);
  const file = path.join(tempDir('twice'), 'twice.html');
  fs.writeFileSync(file, `<html><body>${plotlyBundleHtml()}<section>${fig}${explorer}</section><section>${fig}${explorer}</section></body></html>`);
  const { browser, page } = await openHandout(file);
  try {
    await page.waitForFunction(() => document.querySelectorAll('.at-odds-figure .main-svg').length >= 2, { timeout: 20_000 });
    t.deepEqual(await page.$$eval('.at-odds-figure', (divs) => divs.map((d) => d.querySelectorAll('.scatterlayer .trace').length)), [1, 1], 'each copy of the figure has its trace');
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLElement>('.at-odds-explorer')).every((e) => e.dataset.state === 'ready'), { timeout: 60_000 });
    t.deepEqual(await page.$$eval('.at-odds-explorer', (roots) => roots.map((r) => r.querySelectorAll('.ao-live .at-odds-pred').length)), [2, 2], 'each copy of the explorer shows its own two images');
  } finally {
    await browser.close();
  }
});

test('orange-blue colouring of signed gradients and the accuracy table', (t) => {
  const rgb = orangeBlue(tf.tensor4d([1, -1, 0, 0.5], [1, 2, 2, 1]));
  // +1 orange, -1 blue, 0 white, +0.5 halfway from white to orange.
  const want = [...POSITIVE_RGB, ...NEGATIVE_RGB, 1, 1, 1, ...POSITIVE_RGB.map((v) => 1 - (1 - v) / 2)];
  Array.from(rgb.dataSync()).forEach((v, i) => t.true(Math.abs(v - want[i]) < 1e-6, `channel ${i}: ${v} vs ${want[i]}`));
  rgb.dispose();
  const table = accuracyTable([
    { model: 'm', threat: 'linf', eps: 0, std_acc: 1, robust_acc: 1, n: 10 },
    { model: 'm', threat: 'linf', eps: 0.3, std_acc: 1, robust_acc: 0.9, n: 10 },
  ]);
  // Every cell with its 95% Wilson interval over n (10 of 10: [10 / (10 + z^2), 1]; 9 of 10: [59.6, 98.2]), and n named.
  t.is(table, '| model | n | standard | ℓ∞ ε=0.3 |\n| --- | --- | --- | --- |\n| m | 10 | 100.0% [72.2, 100.0] | 90.0% [59.6, 98.2] |');
});
