// The notebook runner: execution on tslab, parameters, failures, and the handouts it exports.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { atOdds, ROOT, tempDir } from './helpers/cli';
import { jupyterEnv } from '../lib/setup/jupyter';
import { venvBin } from '../lib/paths';
import { openHandout } from './helpers/browser';
import { opensWithItsChapter, pagesAreFull } from './helpers/handouts';
import { averagingClassifier, linearAccuracy, robustClassifier, theorem21Bound } from '../lib/theory';

const TRUSTED = 'import sys, nbformat; from nbformat.sign import NotebookNotary; print(NotebookNotary().check_signature(nbformat.read(sys.argv[1], 4)))';
const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', name);
const outputOf = (out: string, name: string) => JSON.parse(fs.readFileSync(path.join(out, 'notebooks', `${name}.ipynb`), 'utf8'));
const streamText = (nb: { cells: { outputs?: { text?: string | string[] }[] }[] }, cell: number) =>
  (nb.cells[cell].outputs ?? []).map((o) => [o.text ?? ''].flat().join('')).join('');

let theoryOut = '';

test.serial('the runner executes 01-theory and exports a self-contained handout with its figures', (t) => {
  const out = tempDir('theory');
  const r = atOdds(['notebooks', '01-theory', '--out', out], { AT_ODDS_OUTPUTS: out });
  theoryOut = out;
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /\[01-theory\] cell 1\/\d+/);
  t.regex(r.stdout, /\[01-theory\] executed in [\d.]+ s/);
  const html = fs.readFileSync(path.join(out, 'handouts', '01-theory.html'), 'utf8');
  t.true(html.length < 2e6, `handout is ${html.length} bytes`);
  t.is(html.match(/class="at-odds-theory"/g)?.length, 3, 'three live figures: weak features, accuracy, Theorem 2.1');
  t.is(html.match(/class="at-odds-figure"/g)?.length, 1, 'one drawn by the kernel: the SVMs');
  t.is(html.match(/window\.atOddsUnpack\('atOddsPlotly'/g)?.length, 1, 'plotly inlined once');
  t.true((html.match(/<mjx-container class="MathJax" jax="SVG"/g)?.length ?? 0) > 20, 'the math is rendered to SVG');
  t.false(html.includes('window.MathJax'), 'no MathJax in the page');
  t.notRegex(html, /<script[^>]+src=["']?https?:/, 'no script from the network');
  t.notRegex(html, /<link[^>]+href=["']?https?:/, 'no stylesheet from the network');
  t.regex(html, /Theorem 2\.1/);
  t.false(html.includes('In&nbsp;['), 'no input prompts');
  // The chapter also writes its data.
  for (const csv of ['accuracy_vs_eps.csv', 'tradeoff.csv', 'svm.csv']) t.true(fs.existsSync(path.join(out, '01-theory', csv)), csv);
  // Signed, so that Jupyter (started with our environment) trusts it and runs its plot scripts.
  const check = spawnSync(venvBin('python'), ['-c', TRUSTED, path.join(out, 'notebooks', '01-theory.ipynb')], { env: jupyterEnv(out), encoding: 'utf8' });
  t.is(check.stdout.trim(), 'True', check.stderr);
});

test.serial('the 01-theory handout in a browser: its figures compute live from p, d, eta and eps, as lib/theory does; nothing from the network', async (t) => {
  const { browser, page, remote, errors } = await openHandout(path.join(theoryOut, 'handouts', '01-theory.html'));
  try {
    await page.waitForFunction(() => document.querySelectorAll('.at-odds-figure .main-svg').length >= 1
      && Array.from(document.querySelectorAll<HTMLElement>('.at-odds-theory')).every((e) => e.dataset.state === 'ready'), { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('mjx-container').length > 10, { timeout: 30_000 });
    const figure = (k: number) => page.$$eval('.at-odds-theory', (roots, i) => {
      const gd = roots[i].querySelector('.js-plotly-plot') as HTMLElement & { data: { name: string; x: number[]; y: number[] }[]; layout: { title: { text: string } } };
      return { title: gd.layout.title.text, traces: gd.data.map((d) => ({ name: d.name, x: Array.from(d.x), y: Array.from(d.y) })), done: +(roots[i] as HTMLElement).dataset.done! };
    }, k);
    const slide = async (k: number, name: string, value: number) => {
      const before = (await figure(k)).done;
      await page.$$eval('.at-odds-theory', (roots, i, n, v) => {
        const input = roots[i].querySelector(`input.ao-${n}`) as HTMLInputElement;
        input.value = String(v);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }, k, name, value);
      await page.waitForFunction((i, b) => +document.querySelectorAll<HTMLElement>('.at-odds-theory')[i].dataset.done! > b, { timeout: 10_000 }, k, before);
      return figure(k);
    };
    // The weak features at eps = 2 eta, then at 0: the title's accuracy is the closed form.
    t.regex((await figure(0)).title, /robust accuracy 0\.13% at ε = 2\.00η/);
    const clean = await slide(0, 'eps', 0);
    const expected = (100 * linearAccuracy(averagingClassifier(1000), { p: 0.95, d: 1000, eta: 3 / Math.sqrt(1000) }, 0)).toFixed(2);
    t.regex(clean.title, new RegExp(`robust accuracy ${expected.replace('.', '\\.')}% at ε = 0\\.00η`));
    // The accuracy figure at d = 100 (log slider at 2) and eta = 0.2: lines follow, Monte Carlo points stay.
    const before = await figure(1);
    await slide(1, 'd', 2);
    const after = await slide(1, 'eta', 0.2);
    const line = after.traces.find((d) => d.name === 'averaging: closed form')!;
    const i = line.x.findIndex((e) => Math.abs(e - 0.2) < 1e-9);
    t.true(Math.abs(line.y[i] - linearAccuracy(averagingClassifier(100), { p: 0.95, d: 100, eta: 0.2 }, 0.2)) < 1e-6, 'the averaging line at eps = eta is the closed form at the new parameters');
    const points = (f: typeof before) => f.traces.filter((d) => d.name.endsWith('Monte Carlo')).map((d) => d.y);
    t.deepEqual(points(after), points(before), 'the Monte Carlo points stay where they were sampled');
    t.regex(after.title, /points: n = \d+ samples at p = 0\.95, d = 1000/);
    // Theorem 2.1's bound follows p.
    const tradeoff = await slide(2, 'p', 0.9);
    const bound = tradeoff.traces[0];
    t.true(Math.abs(bound.y[100] - theorem21Bound(0.9, bound.x[100])) < 1e-9, 'the bound at p = 0.9');
    const robust = tradeoff.traces.find((d) => d.name.startsWith('robust classifier'))!;
    t.true(Math.abs(robust.x[0] - linearAccuracy(robustClassifier(1000), { p: 0.9, d: 1000, eta: 3 / Math.sqrt(1000) })) < 1e-9, 'sign(x1) is right with probability p');
    await page.screenshot({ path: path.join(theoryOut, 'handouts', '01-theory.png'), fullPage: false });
    t.deepEqual(remote, [], 'requests that left the machine');
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test.serial('the 01-theory handout opens with its first paragraph, its set-up folded to one line; no printed page but the last is under a quarter full', async (t) => {
  await opensWithItsChapter(t, path.join(theoryOut, 'handouts', '01-theory.html'), /^1\. Robustness may be at odds with accuracy/);
  pagesAreFull(t, path.join(theoryOut, 'handouts', '01-theory.pdf'), /1\. Robustness may be at odds with accuracy/);
});

test('04-imagenet runs without a robust checkpoint, says so, and exports its figures', async (t) => {
  const out = tempDir('imagenet');
  const r = atOdds(['notebooks', '04-imagenet', '--out', out, '--set', 'nImages=3', '--set', 'linfSteps=10', '--set', 'l2Steps=10'], { AT_ODDS_OUTPUTS: out });
  t.is(r.code, 0, r.stderr);
  const html = fs.readFileSync(path.join(out, 'handouts', '04-imagenet.html'), 'utf8');
  t.true(html.length < 5e6, `handout is ${html.length} bytes`);
  t.regex(html, /No robust checkpoint is set/);
  t.is(html.match(/src="data:image\/jpeg;base64,/g)?.length, 5, 'photos, gradients, two attacks, interpolation');
  t.regex(html, /tensors held: \d+ = [1-9]\d* in models \+ [1-9]\d* in figure inputs; 0 unaccounted for/);
  await opensWithItsChapter(t, path.join(out, 'handouts', '04-imagenet.html'), /^4\. Restricted ImageNet/);
  pagesAreFull(t, path.join(out, 'handouts', '04-imagenet.pdf'), /4\. Restricted ImageNet/);
});

test('a failing cell stops the run, names the notebook and the cell, and exits non-zero', (t) => {
  const out = tempDir('failing');
  const r = atOdds(['notebooks', fixture('failing.ipynb'), '--out', out]);
  t.not(r.code, 0);
  t.regex(r.stderr, /\[failing\] FAILED at code cell 3 of 4 \(cell 4 of the notebook\): `throw new Error\('deliberate failure in the fixture'\);`/);
  t.regex(r.stderr, /deliberate failure in the fixture/);
  t.false(r.stdout.includes('never reached'));
  t.false(fs.existsSync(path.join(out, 'handouts', 'failing.html')), 'no handout for a failed run');
});

test('--set injects values into the parameters cell', (t) => {
  const out = tempDir('params');
  const r = atOdds(['notebooks', fixture('parameters.ipynb'), '--out', out, '--set', 'p=0.9', '--set', 'label=from the runner', '--set', 'eta=0.25']);
  t.is(r.code, 0, r.stderr);
  const nb = outputOf(out, 'parameters');
  t.deepEqual(JSON.parse(streamText(nb, 1)), { p: 0.9, d: 10, eta: 0.25, label: 'from the runner' });
  t.deepEqual(nb.metadata.at_odds.parameters, { p: '0.9', label: 'from the runner', eta: '0.25' });
  const counts = (nb.cells as { cell_type: string; execution_count: number | null }[]).filter((c) => c.cell_type === 'code').map((c) => c.execution_count);
  t.deepEqual(counts, counts.map((_, i) => i + 1), 'the executed copy is numbered [1]:, [2]:, ...');
  // The notebook progress bar is one display, updated in place to its final state.
  const html = (nb.cells[2].outputs as { data?: Record<string, string | string[]> }[]).map((o) => [o.data?.['text/html'] ?? ''].flat().join(''));
  const bars = html.filter((h) => h.includes('<progress'));
  t.is(bars.length, 1);
  t.regex(bars[0], /demo <progress value="3" max="3"/);
});

test('bad parameters are refused with a message that names them', (t) => {
  const out = tempDir('badparams');
  const unknown = atOdds(['notebooks', fixture('parameters.ipynb'), '--out', out, '--set', 'q=1']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown parameter 'q': the parameters cell has p, d, eta, label/);
  const notNumber = atOdds(['notebooks', fixture('parameters.ipynb'), '--out', out, '--set', 'p=abc']);
  t.is(notNumber.code, 2);
  t.regex(notNumber.stderr, /parameter p expects a number, got 'abc'/);
  const outOfRange = atOdds(['notebooks', fixture('parameters.ipynb'), '--out', out, '--set', 'p=1.5']);
  t.is(outOfRange.code, 1);
  t.regex(outOfRange.stderr, /p must be a number in \[0\.5, 1\], got 1\.5/);
  const badProfile = atOdds(['notebooks', '01-theory', '--profile', 'huge']);
  t.is(badProfile.code, 1);
  t.regex(badProfile.stderr, /--profile must be one of quick, full, got 'huge'/);
  const noSuch = atOdds(['notebooks', '99-nothing']);
  t.regex(noSuch.stderr, /no notebook '99-nothing': choose from 01-theory/);
});

test('a failed run leaves the last complete outputs as they were, and keeps the failed notebook beside them', (t) => {
  const out = tempDir('keep');
  const csv = path.join(out, 'writes-then-fails', 'numbers.csv');
  const good = atOdds(['notebooks', fixture('writes-then-fails.ipynb'), '--out', out]);
  t.is(good.code, 0, good.stderr);
  const before = ['handouts/writes-then-fails.html', 'notebooks/writes-then-fails.ipynb', 'writes-then-fails/numbers.csv'].map((f) => fs.readFileSync(path.join(out, f), 'utf8'));
  t.regex(before[2], /value\n1/);
  const bad = atOdds(['notebooks', fixture('writes-then-fails.ipynb'), '--out', out, '--set', 'value=2', '--set', 'fail=true']);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /failing after writing value 2/);
  t.regex(bad.stderr, /the outputs of the last complete run are as they were/);
  const after = ['handouts/writes-then-fails.html', 'notebooks/writes-then-fails.ipynb', 'writes-then-fails/numbers.csv'].map((f) => fs.readFileSync(path.join(out, f), 'utf8'));
  t.deepEqual(after, before, 'handout, executed notebook and CSV of the complete run');
  t.false(fs.existsSync(path.join(out, 'writes-then-fails', 'extra.csv')), 'the failed run\'s new CSV is gone');
  const failed = JSON.parse(fs.readFileSync(path.join(out, 'notebooks', 'writes-then-fails.failed.ipynb'), 'utf8'));
  t.deepEqual(failed.metadata.at_odds.parameters, { value: '2', fail: 'true' });
  t.deepEqual(fs.readdirSync(path.join(out, 'handouts')).filter((f) => f.includes('.part')), [], 'no temporary files left');
  t.true(fs.existsSync(csv));
});

test('a second run of the same chapter into the same outputs says that one is running; a stale lock is taken over', (t) => {
  const out = tempDir('lock');
  // This test's own process stands for a run in progress.
  fs.writeFileSync(path.join(out, '.writes-then-fails.lock'), String(process.pid));
  const busy = atOdds(['notebooks', fixture('writes-then-fails.ipynb'), '--out', out]);
  t.is(busy.code, 1);
  t.regex(busy.stderr, new RegExp(`writes-then-fails is already running into .* \\(process ${process.pid}\\): wait for it to finish, or pass another --out`));
  fs.writeFileSync(path.join(out, '.writes-then-fails.lock'), '999999999');
  const stale = atOdds(['notebooks', fixture('writes-then-fails.ipynb'), '--out', out]);
  t.is(stale.code, 0, stale.stderr);
  t.false(fs.existsSync(path.join(out, '.writes-then-fails.lock')), 'the lock is released');
});
