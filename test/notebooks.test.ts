// The notebook runner: execution on tslab, parameters, failures, and the handouts it exports.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { atOdds, ROOT, tempDir } from './helpers/cli';
import { jupyterEnv } from '../lib/setup/jupyter';
import { venvBin } from '../lib/paths';
import { openHandout } from './helpers/browser';

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
  t.true(html.length < 3e6, `handout is ${html.length} bytes`);
  t.is(html.match(/class="at-odds-figure"/g)?.length, 4, 'four plotly figures');
  t.is(html.match(/plotly\.js \(cartesian - minified\)/g)?.length, 1, 'plotly inlined once');
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

test.serial('the 01-theory handout works in a browser: plots render, sliders move, nothing loads from the network', async (t) => {
  const { browser, page, remote } = await openHandout(path.join(theoryOut, 'handouts', '01-theory.html'));
  try {
    await page.waitForFunction(() => document.querySelectorAll('.at-odds-figure .main-svg').length >= 4, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('mjx-container').length > 10, { timeout: 30_000 });
    const title = () => page.$eval('.at-odds-figure .gtitle', (el) => el.textContent ?? '');
    const before = await title();
    t.regex(before, /at ε = 2\.00η/);
    // Drag the first slider to its left end: the figure must switch to eps = 0.
    const rail = (await page.$('.at-odds-figure .slider-rail-touch-rect'))!;
    await rail.scrollIntoView();
    const box = (await rail.boundingBox())!;
    await page.mouse.click(box.x + 3, box.y + box.height / 2);
    await page.waitForFunction((b) => document.querySelector('.at-odds-figure .gtitle')?.textContent !== b, { timeout: 5_000 }, before);
    t.regex(await title(), /robust accuracy 99\.\d+% at ε = 0\.00η/);
    await page.screenshot({ path: path.join(theoryOut, 'handouts', '01-theory.png'), fullPage: false });
    t.deepEqual(remote, [], 'requests that left the machine');
  } finally {
    await browser.close();
  }
});

test('04-imagenet runs without a robust checkpoint, says so, and exports its figures', (t) => {
  const out = tempDir('imagenet');
  const r = atOdds(['notebooks', '04-imagenet', '--out', out, '--set', 'nImages=3', '--set', 'linfSteps=10', '--set', 'l2Steps=10'], { AT_ODDS_OUTPUTS: out });
  t.is(r.code, 0, r.stderr);
  const html = fs.readFileSync(path.join(out, 'handouts', '04-imagenet.html'), 'utf8');
  t.true(html.length < 5e6, `handout is ${html.length} bytes`);
  t.regex(html, /No robust checkpoint is set/);
  t.is(html.match(/src="data:image\/jpeg;base64,/g)?.length, 5, 'photos, gradients, two attacks, interpolation');
  t.regex(html, /tensors held: \d+ = [1-9]\d* in models \+ [1-9]\d* in figure inputs; 0 unaccounted for/);
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
