// The live explorer in headless Chromium: PGD runs in the page's Web Workers, on wasm, and agrees with
// lib/attacks/pgd.ts run here in Node (and in the page itself where no worker can start); a digit drawn with the mouse is classified; a slider dragged
// quickly runs only its last value; nothing leaves the page.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { batchTensors } from '../lib/data/dataset';
import { loadDataset } from '../lib/data/datasets';
import { loadMnist } from '../lib/data/mnist';
import type { Norm } from '../lib/attacks/threat';
import { modelArtifacts } from '../lib/models/artifacts';
import { loadModel } from '../lib/models/io';
import { explorerHtml } from '../lib/plots/explorer';
import { loadShipped } from '../lib/zoo/zoo';
import { explorerAfter, explorerReady, openHandout, OpenHandout, setExplorerEps } from './helpers/browser';
import { agreesWithNode, drawnIsOne, drawOne } from './helpers/live';
import { tempDir } from './helpers/cli';

let models: Record<string, tf.LayersModel>;
let x: tf.Tensor4D;
let y: tf.Tensor1D;
let opened: OpenHandout;
let file = '';

test.before(async () => {
  await initBackend({ quiet: true });
  models = { standard: (await loadShipped('mnist', 'small-standard')).model, robust: (await loadShipped('mnist', 'small-linf-0.3')).model };
  ({ x, y } = batchTensors(await loadMnist('sample'), Array.from({ length: 12 }, (_, i) => i)));
  const html = await explorerHtml(models, x, y, { eps: 0.3, steps: 10, selected: [0, 1, 2, 3, 4, 5, 6, 7], title: 'test' });
  file = path.join(tempDir('live'), 'live.html');
  fs.writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`);
  opened = await openHandout(file, 1000);
});

test.after.always(async () => {
  await opened?.browser.close();
});

test.serial('the page attacks on wasm and agrees with Node at its starting eps, and at an eps no frame was drawn for', async (t) => {
  const { page } = opened;
  const first = await explorerReady(page);
  t.is(first.backend, 'wasm');
  // One worker per model, as far as the machine's cores go: the page's own thread only draws.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  t.is(first.workers, Math.min(2, cores), 'the attack ran in Web Workers');
  t.deepEqual([first.norm, first.eps, first.steps, first.columns], ['linf', 0.3, 10, [0, 1, 2, 3, 4, 5, 6, 7]]);
  agreesWithNode(t, first, models, x);
  const r = await setExplorerEps(page, 0.135);
  t.is(r.eps, 0.135, 'the slider moves in steps of 0.005');
  agreesWithNode(t, r, models, x);
  t.is(await page.$eval('.ao-live .at-odds-eps', (e) => e.textContent), '0.135');
  // The standard model is wrong on most digits at 0.3, the robust one right on most.
  const right = (m: number) => first.models[m].predictions.filter((p, i) => p === first.labels[i]).length;
  t.true(right(0) <= 2 && right(1) >= 6, `standard ${right(0)}, robust ${right(1)} of 8`);
});

test.serial('ℓ2, a target class and another test image: the page still agrees with Node', async (t) => {
  const { page } = opened;
  await explorerAfter(page, () => page.select('.ao-live select.ao-norm', 'l2'));
  await explorerAfter(page, () => page.select('.ao-live select.ao-target', '3'));
  const r = await explorerAfter(page, () => page.click('.ao-live img.ao-thumb:nth-child(11)'));
  t.is(r.norm, 'l2');
  t.is(r.target, 3);
  t.deepEqual(r.columns, [1, 2, 3, 4, 5, 6, 7, 10], 'test image 10 joins, the first one chosen leaves');
  agreesWithNode(t, r, models, x);
  await explorerAfter(page, () => page.select('.ao-live select.ao-target', ''));
  await explorerAfter(page, () => page.select('.ao-live select.ao-norm', 'linf'));
});

test.serial('a slider dragged quickly runs only its last value', async (t) => {
  const { page } = opened;
  const before = await page.$eval('.at-odds-explorer', (e) => +(e as HTMLElement).dataset.done!);
  await page.$eval('.ao-live input[type=range]', (s) => {
    for (const v of [0.05, 0.1, 0.15, 0.2, 0.25]) {
      (s as HTMLInputElement).value = String(v);
      s.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  const r = await explorerReady(page, before);
  t.is(r.eps, 0.25);
  t.is(await page.$eval('.at-odds-explorer', (e) => +(e as HTMLElement).dataset.done!), before + 1, 'one attack for five positions');
});

test.serial('a digit drawn with the mouse is classified by both models, as Node classifies it', async (t) => {
  const { page } = opened;
  await setExplorerEps(page, 0);
  const r = await drawOne(page);
  drawnIsOne(t, r, models);
  t.is(await page.$eval('.ao-live .ao-grid th:nth-child(2)', (e) => e.textContent), 'yours (1?)');
});

test.serial('a browser without WebAssembly or Web Workers computes the same in the page, on the cpu backend', async (t) => {
  // As in a browser that has neither: both gone before the page's scripts run.
  const noWasm = await openHandout(file, 1000, (page) => page.evaluateOnNewDocument('delete globalThis.WebAssembly; delete globalThis.Worker'));
  try {
    t.deepEqual(await noWasm.page.evaluate(() => [typeof WebAssembly, typeof Worker]), ['undefined', 'undefined']);
    const r = await explorerReady(noWasm.page, 0, 300_000);
    t.is(r.backend, 'cpu');
    t.is(r.workers, 0, 'the attack ran in the page');
    agreesWithNode(t, r, models, x);
    t.deepEqual(noWasm.remote, []);
  } finally {
    await noWasm.browser.close();
  }
});

test.serial('nothing leaves the page, and no script fails', (t) => {
  t.deepEqual(opened.remote, []);
  t.deepEqual(opened.errors, []);
});

test.serial('CIFAR-10\'s ResNet-9s in the page (batch norm folded, filters packed once on wasm) agree with Node', async (t) => {
  const cifar = { standard: (await loadShipped('cifar10', 'standard')).model, robust: (await loadShipped('cifar10', 'linf-8')).model };
  const data = batchTensors(await loadDataset('cifar10', 'sample'), [0, 1, 2, 3]);
  const html = await explorerHtml(cifar, data.x, data.y, { eps: 8 / 255, steps: 10, title: 'test' });
  const page = path.join(tempDir('live-cifar'), 'live.html');
  fs.writeFileSync(page, `<!doctype html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`);
  const cifarPage = await openHandout(page, 1000);
  try {
    const first = await explorerReady(cifarPage.page);
    t.is(first.backend, 'wasm');
    // The standard network's input gradient is small and noisy: where a component is near zero, XNNPACK's
    // and TensorFlow's sums can give it different signs, and the steps after it go apart. At 4/255 about
    // 8% of the values differ by more than 1e-3 (the same before the filters were packed once); the
    // predictions agree exactly.
    agreesWithNode(t, first, cifar, data.x, 0.15);
    // Another eps: the same filters, already packed, in the second attack.
    const r = await setExplorerEps(cifarPage.page, 4 / 255);
    agreesWithNode(t, r, cifar, data.x, 0.15);
    t.deepEqual(cifarPage.errors, []);
  } finally {
    await cifarPage.browser.close();
    tf.dispose([data.x, data.y]);
    Object.values(cifar).forEach((m) => m.dispose());
  }
});

test('a shipped model goes into the page as its weights.bin holds it; one whose weights changed is halved once', async (t) => {
  const dir = path.join(__dirname, '..', 'data', 'models', 'mnist', 'small-standard');
  const file = fs.readFileSync(path.join(dir, 'weights.bin'));
  const model = await loadModel(dir);
  const shipped = await modelArtifacts(model);
  t.true(Buffer.from(shipped.weightData).equals(file), 'the file\'s own bytes');
  t.true(shipped.weightSpecs.every((s) => s.quantization?.dtype === 'float16'));
  // New tensors of the same values: halved from float32, the same bytes (float16 -> float32 -> float16 is exact).
  model.setWeights(model.getWeights().map((w) => w.clone()));
  t.true(Buffer.from((await modelArtifacts(model)).weightData).equals(file));
  model.setWeights(model.getWeights().map((w) => tf.mul(w, 2)));
  const doubled = new Uint16Array((await modelArtifacts(model)).weightData);
  const before = new Uint16Array(file.buffer, file.byteOffset, file.byteLength / 2);
  // Doubling adds one to a float16's exponent (bits 10-14) where it is normal and stays finite.
  const i = before.findIndex((h) => ((h >> 10) & 31) > 1 && ((h >> 10) & 31) < 29);
  t.is(doubled[i], before[i] + (1 << 10));
  model.dispose();
});

test('the explorer refuses bad input by name', async (t) => {
  await t.throwsAsync(explorerHtml(models, x, y, { eps: -0.1 }), { message: /eps must be a number >= 0, got -0.1/ });
  await t.throwsAsync(explorerHtml(models, x, y, { eps: 0.1, threat: 'l1' as Norm }), { message: /unknown threat model 'l1'/ });
  await t.throwsAsync(explorerHtml(models, x, y, { eps: 0.1, selected: [3, 12] }), { message: /selected must be 1 to 8 indices of the 12 images, got \[3,12\]/ });
  await t.throwsAsync(explorerHtml({}, x, y, { eps: 0.1 }), { message: /no models/ });
});
