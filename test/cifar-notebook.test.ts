// The CIFAR-10 chapter end to end: 03-cifar10 runs on the shipped models (and a MadryLab-layout
// checkpoint), and its handout works in a browser.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { atOdds, tempDir } from './helpers/cli';
import { readCsv } from '../lib/io/csv';
import { explorerState, openHandout, pressOnSlider, slideExplorerToZero } from './helpers/browser';
import { opensWithItsChapter, pagesAreFull } from './helpers/handouts';
import { datasetSpec } from '../lib/data/datasets';
import { recipesOf } from '../lib/zoo/recipes';
import { unshipped } from '../lib/zoo/zoo';

let out = '';
const checkpoint = path.join(__dirname, 'fixtures', 'torch', 'cifar-resnet-zip.pt');
const madry = 'MadryLab cifar-resnet-zip';

test.serial('03-cifar10 runs on the shipped models and a MadryLab checkpoint, and exports its figures, tables and explorer', (t) => {
  out = tempDir('cifar');
  const r = atOdds(['notebooks', '03-cifar10', '--out', out, '--set', 'attackImages=24', '--set', 'pgdSteps=3', '--set', `madryCheckpoint=${checkpoint}`], { AT_ODDS_OUTPUTS: out });
  t.is(r.code, 0, r.stderr);
  const html = fs.readFileSync(path.join(out, 'handouts', '03-cifar10.html'), 'utf8');
  t.true(html.length < 5e6, `handout is ${html.length} bytes`);
  t.true(fs.statSync(path.join(out, 'handouts', '03-cifar10.pdf')).size > 1e5, 'a PDF');
  t.is(html.match(/class="at-odds-figure"/g)?.length, 3, 'curves (l_inf, l_2), Figure 7');
  const missing = unshipped('cifar10');
  const features = Object.values(datasetSpec('cifar10').chapter.features).filter((n) => !missing.includes(n)).length;
  t.is(html.match(/src="data:image\/png;base64,/g)?.length, 2 + 2 * features, 'Figure 2, then a Figure 3 grid and a Figure 4 row per model, and the explorer at its start');
  t.is(html.match(/class="at-odds-explorer"/g)?.length, 1);
  // The shipped models show their stored evaluations (n = every test image the mirror has); the MadryLab
  // checkpoint is attacked now, on the first 24.
  t.regex(html, /(on the first n = \d+ test images|each row on the first n test images of its n column \(here n = \d+ or \d+; below the table, what was measured when\)) \(the MadryLab model on the first 24\)/);
  t.regex(html, /ResNet-50 \(CIFAR variant\), 3-4-6-3 bottlenecks, stem width 2/);
  t.regex(html, /robustness library: standard/, 'our models beside the published ones');
  t.regex(html, /87\.0%/, 'the published l_inf 8/255 model');
  t.regex(html, /tensors held: \d+ = [1-9]\d* in models \+ [1-9]\d* in figure inputs; 0 unaccounted for/);
  if (missing.length) t.regex(html, new RegExp(`Not shipped yet.*${missing.join(', ')}`));

  // The numbers behind the table are the shipped models' real behaviour.
  const rows = readCsv(path.join(out, '03-cifar10', 'accuracy.csv'));
  const shipped = recipesOf('cifar10').length - missing.length;
  t.is(rows.length, (shipped + 1) * 12, 'every shipped model and the checkpoint, six eps for each of two threats');
  const at = (model: string, threat: string, levels: number) => rows.find((r) => r.model === model && r.threat === threat && Math.abs((r.eps as number) - levels / 255) < 1e-9)!;
  t.true((at('standard', 'linf', 0).std_acc as number) >= 0.8);
  t.true((at('standard', 'linf', 8).robust_acc as number) <= 0.1);
  t.true((at('linf-8', 'linf', 8).robust_acc as number) >= 0.25);
  t.true((at(madry, 'linf', 0).std_acc as number) <= 0.4, 'the fixture has random weights');
  const std = readCsv(path.join(out, '03-cifar10', 'std_vs_eps_train.csv'));
  for (const threat of ['linf', 'l2']) {
    const ps = std.filter((r) => r.threat === threat).sort((a, b) => (a.eps_train as number) - (b.eps_train as number));
    t.true((ps[0].std_acc as number) > (ps[ps.length - 1].std_acc as number), `${threat}: the largest eps_train costs standard accuracy`);
  }
});

test.serial('the 03-cifar10 handout opens with its first paragraph, its set-up folded to one line; no printed page but the last is under a quarter full', async (t) => {
  await opensWithItsChapter(t, path.join(out, 'handouts', '03-cifar10.html'), /^3\. CIFAR-10: /);
  pagesAreFull(t, path.join(out, 'handouts', '03-cifar10.pdf'), /3\. CIFAR-10: /);
});

test.serial('the 03-cifar10 handout in a browser: plots render, the explorer slider changes images and class names, nothing from the network', async (t) => {
  const { browser, page, remote } = await openHandout(path.join(out, 'handouts', '03-cifar10.html'), 1000);
  try {
    await page.waitForFunction(() => document.querySelectorAll('.at-odds-figure .main-svg').length >= 3, { timeout: 30_000 });
    t.true(await page.$$eval('.at-odds-figure .scatterlayer .trace', (els) => els.length >= 6), 'the curves have traces');
    const ticks = await page.$$eval('.at-odds-figure .xtick text', (els) => els.map((e) => e.textContent));
    t.true(ticks.includes('8/255'), `l_inf budgets are labelled in grey levels: ${ticks.join(' ')}`);
    const { before, after } = await slideExplorerToZero(t, page, '8/255');
    t.deepEqual(before.labels, ['cat', 'ship', 'ship', 'airplane', 'frog', 'frog', 'automobile', 'frog'], 'the first test images, by class name');
    // On clean images the standard model names most of the eight right; at 8/255 it names none.
    const right = (preds: string[]) => preds.slice(0, 8).filter((p, i) => p.split(' ')[0] === after.labels[i]).length;
    t.true(right(after.predictions) >= 6, after.predictions.join(', '));
    t.is(right(before.predictions), 0, before.predictions.join(', '));
    await pressOnSlider(page, 'End');
    t.is((await explorerState(page)).eps, '16/255');
    await page.screenshot({ path: path.join(out, 'handouts', '03-cifar10.png') });
    t.deepEqual(remote, [], 'requests that left the machine');
  } finally {
    await browser.close();
  }
});
