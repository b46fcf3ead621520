// The MNIST chapter end to end: 02-mnist runs on the shipped models, and its handout works in a browser.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { atOdds, tempDir } from './helpers/cli';
import { readCsv } from '../lib/io/csv';
import { openHandout, setExplorerEps, slideExplorerToZero } from './helpers/browser';
import { opensWithItsChapter, pagesAreFull } from './helpers/handouts';
import { agreesWithNode, drawnIsOne, drawOne } from './helpers/live';
import { initBackend } from '../lib/backend/init';
import { batchTensors } from '../lib/data/dataset';
import { loadMnist } from '../lib/data/mnist';
import { datasetSpec } from '../lib/data/datasets';
import { loadShipped } from '../lib/zoo/zoo';

let out = '';

test.serial('02-mnist runs on the shipped models and exports its figures, tables and explorer', (t) => {
  out = tempDir('mnist');
  const r = atOdds(['notebooks', '02-mnist', '--out', out, '--set', 'attackImages=40', '--set', 'pgdSteps=5'], { AT_ODDS_OUTPUTS: out });
  t.is(r.code, 0, r.stderr);
  const html = fs.readFileSync(path.join(out, 'handouts', '02-mnist.html'), 'utf8');
  t.true(html.length < 5e6, `handout is ${html.length} bytes`);
  t.true(fs.statSync(path.join(out, 'handouts', '02-mnist.pdf')).size > 1e5, 'a PDF');
  t.is(html.match(/class="at-odds-figure"/g)?.length, 4, 'curves (l_inf, l_2), Figure 7, Figure 1');
  t.is(html.match(/src="data:image\/png;base64,/g)?.length, 8, 'Figure 2, three Figure 3 grids, three Figure 4 rows, the explorer at its start');
  t.is(html.match(/class="at-odds-explorer"/g)?.length, 1);
  // One n for the table, or (stored evaluations beside attacks made now) each row's n in its column.
  t.regex(html, /on the first n = \d+ test images|each row on the first n test images of its n column \(here n = 40 or \d+;/);
  t.regex(html, /tensors held: \d+ = [1-9]\d* in models \+ [1-9]\d* in figure inputs; 0 unaccounted for/);
  // The numbers behind the table are the shipped models' real behaviour.
  const rows = readCsv(path.join(out, '02-mnist', 'accuracy.csv'));
  t.is(rows.length, 9 * 10, 'nine models, five eps for each of two threats');
  const at = (model: string, threat: string, eps: number) => rows.find((r) => r.model === model && r.threat === threat && r.eps === eps)!;
  t.true((at('standard', 'linf', 0).std_acc as number) >= 0.95);
  t.true((at('standard', 'linf', 0.3).robust_acc as number) <= 0.1);
  t.true((at('linf-0.3', 'linf', 0.3).robust_acc as number) >= 0.7);
  const std = readCsv(path.join(out, '02-mnist', 'std_vs_eps_train.csv'));
  const linf = std.filter((r) => r.threat === 'linf').sort((a, b) => (a.eps_train as number) - (b.eps_train as number));
  t.true((linf[0].std_acc as number) > (linf[linf.length - 1].std_acc as number), 'eps_train 0.3 costs standard accuracy');
});

test.serial('the 02-mnist handout opens with its first paragraph, its set-up folded to one line; no printed page but the last is under a quarter full', async (t) => {
  await opensWithItsChapter(t, path.join(out, 'handouts', '02-mnist.html'), /^2\. MNIST: /);
  pagesAreFull(t, path.join(out, 'handouts', '02-mnist.pdf'), /2\. MNIST: /);
});

test.serial('the 02-mnist handout in a browser: plots render, the explorer attacks live as Node does, a drawn digit is read, nothing from the network', async (t) => {
  const { browser, page, remote } = await openHandout(path.join(out, 'handouts', '02-mnist.html'), 1000);
  try {
    await page.waitForFunction(() => document.querySelectorAll('.at-odds-figure .main-svg').length >= 4, { timeout: 30_000 });
    t.is(await page.$$eval('.at-odds-figure .scatterlayer .trace', (els) => els.length > 10), true, 'the curves have traces');
    const { after } = await slideExplorerToZero(t, page, '0.3');
    // At eps 0 both models see the clean digits: the standard model gets all eight right.
    t.deepEqual(after.predictions.slice(0, 8).map((p) => p[0]), after.labels);
    // An eps that no frame was ever drawn for: the page's attack is Node's.
    await initBackend({ quiet: true });
    const models = Object.fromEntries(await Promise.all(Object.entries(datasetSpec('mnist').chapter.explorer).map(async ([label, name]) => [label, (await loadShipped('mnist', name)).model] as const)));
    const { x } = batchTensors(await loadMnist('sample'), Array.from({ length: 24 }, (_, i) => i));
    const r = await setExplorerEps(page, 0.135);
    t.is(r.backend, 'wasm');
    agreesWithNode(t, r, models, x);
    // A digit drawn with the mouse, at eps 0: a one, to both models.
    await setExplorerEps(page, 0);
    drawnIsOne(t, await drawOne(page), models);
    await page.screenshot({ path: path.join(out, 'handouts', '02-mnist.png') });
    t.deepEqual(remote, [], 'requests that left the machine');
  } finally {
    await browser.close();
  }
});
