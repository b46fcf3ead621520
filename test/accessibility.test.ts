// Handouts every student can use (WCAG 2.1 AA): axe-core's WCAG 2.0/2.1 A and AA rules find nothing in a
// small handout built here (math, code, a plot, a live theory figure, the live explorer) nor in any handout
// in outputs/handouts; headings form one outline; the explorer works from the keyboard alone and says
// what changed in a live region.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { describeFigure, figureTable, figureTableHtml } from '../lib/figures/describe';
import { batchTensors } from '../lib/data/dataset';
import { loadMnist } from '../lib/data/mnist';
import { findChromium, printToPdf } from '../lib/handouts/chromium';
import { pdfUaProblems, readPdfStructure } from '../lib/handouts/pdf-structure';
import { CITATION, writeCourseSite } from '../lib/handouts/site';
import { OUTPUTS, venvBin } from '../lib/paths';
import { explorerHtml } from '../lib/plots/explorer';
import { figureHtml, plotlyBundleHtml } from '../lib/plots/figure';
import { describeGrid, imageGrid } from '../lib/plots/grid';
import { robustCurveFigure } from '../lib/plots/robustness';
import { liveTheoryHtml } from '../lib/plots/theory-live';
import { loadShipped } from '../lib/zoo/zoo';
import { axeViolations, describeViolations } from './helpers/axe';
import { explorerReady, openHandout } from './helpers/browser';
import { ROOT, tempDir } from './helpers/cli';

let small = '';
const dir = tempDir('a11y');

/** A notebook's code cell with one HTML output, as the runner leaves it. */
const htmlCell = (source: string, html: string) => ({ cell_type: 'code', execution_count: 1, metadata: {}, source,
  outputs: [{ output_type: 'display_data', metadata: {}, data: { 'text/html': html, 'text/plain': '' } }] });

test.before(async () => {
  await initBackend({ quiet: true });
  const models = { standard: (await loadShipped('mnist', 'small-standard')).model, 'robust (ℓ∞ 0.3)': (await loadShipped('mnist', 'small-linf-0.3')).model };
  const { x, y } = batchTensors(await loadMnist('sample'), Array.from({ length: 12 }, (_, i) => i));
  const explorer = await explorerHtml(models, x, y, { eps: 0.3, steps: 5, title: 'PGD against each model, live' });
  tf.dispose([x, y]);
  const curve = robustCurveFigure([0, 0.1, 0.2, 0.3].flatMap((eps) => [
    { model: 'standard', threat: 'linf', eps, std_acc: 0.99, robust_acc: Math.max(0, 0.99 - 3 * eps), n: 100 },
    { model: 'robust', threat: 'linf', eps, std_acc: 0.98, robust_acc: 0.98 - 0.2 * eps, n: 100 }]) as never);
  const theory = await liveTheoryHtml({ kind: 'tradeoff', params: { p: 0.95, d: 100, eta: 0.3 }, epsInEta: 2 });
  const nb = {
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' }, language_info: { name: 'typescript' } },
    cells: [
      { cell_type: 'markdown', metadata: {}, source: '# A small handout\n\nAfter [Tsipras et al. 2019](#ref-tsipras2019), a formula inline, $\\|\\delta\\|_\\infty \\le \\epsilon$, and one on its own:\n\n$$\\min_\\theta \\mathbb{E}\\left[\\max_{\\|\\delta\\| \\le \\epsilon} L(\\theta, x + \\delta, y)\\right]$$\n\n## A section\n\n### A subsection' },
      { cell_type: 'code', execution_count: 1, metadata: { tags: ['setup'] }, outputs: [], source: "import { initBackend } from './lib/backend/init';\nawait initBackend(); // the backend, then 0.3 and 'a string'" },
      htmlCell('show(curve); // a plot', `${plotlyBundleHtml()}${figureHtml(curve)}`),
      htmlCell('showHtml(await liveTheoryHtml(data));', theory),
      { cell_type: 'markdown', metadata: {}, source: '## The explorer' },
      htmlCell('showHtml(await explorerHtml(models, x, y, { eps: 0.3 }));', explorer),
    ],
  };
  const ipynb = path.join(dir, 'small.ipynb');
  small = path.join(dir, 'small.html');
  fs.writeFileSync(ipynb, JSON.stringify(nb));
  // Exported as the runner exports a chapter: its template, its math, its code colours.
  const r = spawnSync(venvBin('python'), ['-c', `import sys, nbformat; sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'jupyter'))}); import run_notebook as r; r.export_html(nbformat.read(sys.argv[1], as_version=4), 'small', sys.argv[2])`, ipynb, small], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`exporting the small handout failed:\n${r.stderr}`);
});

/** Every handout a course would publish: the chapters, the course page, the student versions (any folder below). */
function publishedHandouts(): string[] {
  const root = path.join(OUTPUTS, 'handouts');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.html')).map((f) => path.join(root, f)).sort();
}

test('axe-core finds no WCAG 2.0/2.1 A or AA violation in a small handout nor in any handout in outputs/handouts', async (t) => {
  for (const html of [small, ...publishedHandouts()]) {
    const vs = await axeViolations(html);
    t.log(`${path.basename(html)}: ${describeViolations(vs)}`);
    t.deepEqual(vs.map((v) => `${v.id} (${v.nodes}): ${v.targets.join(' | ')}`), [], path.basename(html));
  }
});

test('a handout has its language, one h1 and no skipped heading level', async (t) => {
  for (const html of [small, ...publishedHandouts()]) {
    const { browser, page } = await openHandout(html);
    try {
      const { lang, levels } = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        levels: Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'), (h) => +h.tagName[1]),
      }));
      const name = path.basename(html);
      t.is(lang, 'en', name);
      t.is(levels.filter((l) => l === 1).length, 1, `${name}: one h1 (${levels.join(' ')})`);
      t.is(levels[0], 1, `${name}: the h1 comes first`);
      levels.forEach((l, i) => i > 0 && t.true(l <= levels[i - 1] + 1, `${name}: h${levels[i - 1]} then h${l}`));
    } finally {
      await browser.close();
    }
  }
});

test('the explorer from the keyboard alone: Tab to the slider, Right arrow five times, and the live region says what changed', async (t) => {
  const { browser, page, errors } = await openHandout(small, 1400);
  try {
    const first = await explorerReady(page);
    t.is(first.eps, 0.3);
    const said = () => page.$eval('.at-odds-explorer .ao-announce', (e) => ({ text: e.textContent ?? '', live: e.getAttribute('aria-live') }));
    const before = await said();
    t.is(before.live, 'polite');
    t.regex(before.text, /^at epsilon 0\.3, standard network right on \d of 8, robust \(ℓ∞ 0\.3\) network right on \d of 8$/);
    // Tab from the top of the page until the slider has the focus, as a student without a mouse would.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let tabs = 0;
    const focused = () => page.evaluate(() => {
      const e = document.activeElement as HTMLInputElement | null;
      return e && e.type === 'range' && e.closest('.at-odds-explorer') ? { label: e.getAttribute('aria-label'), valuetext: e.getAttribute('aria-valuetext') } : null;
    });
    while (!(await focused()) && tabs < 60) {
      await page.keyboard.press('Tab');
      tabs++;
    }
    const slider = await focused();
    t.truthy(slider, `the slider is reached by Tab (${tabs} presses)`);
    t.deepEqual(slider, { label: 'epsilon, the attack\'s budget', valuetext: 'epsilon 0.3' });
    const done = await page.$eval('.at-odds-explorer', (r) => +((r as HTMLElement).dataset.done ?? 0));
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    // Each press is an input event; the explorer runs the last one (it may run one in between).
    await page.waitForFunction(() => {
      const r = document.querySelector<HTMLElement>('.at-odds-explorer')!;
      return r.dataset.state === 'ready' && (r as unknown as { atOddsExplorer: { last(): { eps: number } } }).atOddsExplorer.last().eps > 0.32;
    }, { timeout: 120_000, polling: 50 });
    const after = await explorerReady(page, done);
    t.is(after.eps, 0.325, 'five steps of 0.005');
    t.is(await page.$eval('.at-odds-explorer input[type=range]', (s) => s.getAttribute('aria-valuetext')), 'epsilon 0.325');
    const now = await said();
    t.regex(now.text, /^at epsilon 0\.325, standard network right on \d of 8, robust \(ℓ∞ 0\.3\) network right on \d of 8$/);
    const right = (m: number) => after.models[m].predictions.filter((p, i) => p === after.labels[i]).length;
    t.true(now.text.includes(`standard network right on ${right(0)} of 8`) && now.text.includes(`network right on ${right(1)} of 8`), now.text);
    // The picture a reviewer looks at: the slider focused, the new attack drawn, the sentence under the controls.
    const shot = path.join(process.env.AT_ODDS_SCREENSHOTS ?? dir, 'explorer-keyboard.png');
    await (await page.$('.at-odds-explorer'))!.screenshot({ path: shot as `${string}.png` });
    t.log(`screenshot: ${shot}`);
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a plot\'s text alternative says what is plotted against what and each line\'s trend; its table carries the 95% intervals', (t) => {
  const curve = robustCurveFigure([0, 0.1, 0.2, 0.3].flatMap((eps) => [
    { model: 'standard', threat: 'linf', eps, std_acc: 0.99, robust_acc: Math.max(0, 0.99 - 3 * eps), n: 100 },
    { model: 'robust', threat: 'linf', eps, std_acc: 0.98, robust_acc: 0.98 - 0.2 * eps, n: 100 }]) as never, { title: 'Robust accuracy' });
  t.is(describeFigure(curve), 'Robust accuracy: accuracy against ε, 2 lines. standard: falls from 99% at 0 to 9% at 0.3, half-way by 0.15; robust: falls from 98% at 0 to 92% at 0.3, half-way by 0.15.');
  const table = figureTable(curve);
  t.deepEqual(table.header, ['series', 'ε', 'accuracy', '95% interval', 'n']);
  // 9 of 100 right: Wilson's 95% interval is [4.8%, 16.2%].
  t.deepEqual(table.rows[3], ['standard', '0.3', '9%', '[4.8%, 16.2%]', '100']);
  t.regex(figureTableHtml(curve, 'Data for Figure 2.1'), /^<details class="ao-figure-data"><summary>Data for Figure 2\.1<\/summary><table><thead><tr><th scope="col">series<\/th>/);
  // A line that rises then falls names its peak; a long curve's table is thinned to 25 rows and keeps its last point.
  const hump = { data: [{ name: 'a <b>b</b>', x: Array.from({ length: 101 }, (_, i) => i / 100), y: Array.from({ length: 101 }, (_, i) => 1 - ((i - 40) / 60) ** 2) }], layout: { xaxis: { title: { text: 'p' } }, yaxis: { title: 'margin' } } };
  t.is(describeFigure(hump), 'margin against p, 1 line. a b: falls from 0.556 at 0 to 0 at 1, highest 1 at 0.4.');
  const thin = figureTable(hump);
  t.is(thin.rows.length, 21, 'every 5th of 101 points');
  t.deepEqual(thin.rows[thin.rows.length - 1], ['a b', '1', '0']);
  t.regex(thin.note, /every few points/);
  t.is(describeFigure({ data: [] }), 'A figure (no data).');
});

test('an image grid\'s text alternative names its rows and says every caption, row by row', (t) => {
  t.is(describeGrid(6, 3, { title: 'Loss gradient', labels: ['digit', 'digit', 'digit', '∇ standard', '∇ standard', '∇ standard'], rowNames: ['the test digits', 'the standard model\'s gradients'] }),
    'Loss gradient. 6 images in 2 rows of 3; under each image, row by row: row 1 (the test digits): digit, each; row 2 (the standard model\'s gradients): gradient of standard, each.');
  t.is(describeGrid(3, 3, { labels: ['→0: 0 (99%)', '→1: 7 (60%)', '→2: 2 (98%)'] }), '3 images in a row; under each image, row by row: row 1: towards 0: 0 (99%), towards 1: 7 (60%), towards 2: 2 (98%).');
  const png = imageGrid({ shape: [2, 2, 2, 1], data: new Float32Array(8) }, { labels: ['cat\n97%', 'dog\n51%'], title: 'Two' });
  t.is(png.alt, 'Two. 2 images in a row; under each image, row by row: row 1: cat 97%, dog 51%.');
});

test('every printed handout is tagged, titled, in English, with an outline, its figures described and no heading level skipped (PDF/UA-1 as lib/handouts/pdf-structure.ts reads it)', async (t) => {
  const chromium = findChromium();
  if (!chromium) {
    t.fail('no Chromium: install it (Debian: apt-get install chromium) or set AT_ODDS_CHROMIUM');
    return;
  }
  const pdf = small.replace(/\.html$/, '.pdf');
  await printToPdf(chromium, small, pdf);
  const s = readPdfStructure(pdf);
  t.deepEqual(pdfUaProblems(s), [], 'the small handout');
  t.deepEqual(s.outline.slice(0, 4), ['A small handout', 'A section', 'A subsection', 'The explorer']);
  t.is(s.lang, 'en');
  // The plot and the explorer's starting picture, each with what it shows.
  t.true(s.figures.some((a) => /^Robust accuracy under ℓ∞ PGD .*: accuracy against ε, 2 lines\. standard: falls from 99% at 0 to 9% at 0\.3, half-way by 0\.15/.test(a)), s.figures.join('\n'));
  t.true(s.figures.some((a) => /^The explorer's starting state: ℓ∞ PGD-5 at ε = 0\.3, labels .*row 1 \(the standard model's adversarial images and predictions\): /.test(a)), s.figures.join('\n'));
  // The checker finds what is missing: an image without alt text, a skipped level, no outline entry for it.
  const bad = path.join(dir, 'bad.html');
  fs.writeFileSync(bad, `<!DOCTYPE html><html><head><title>t</title></head><body><h1>One</h1><h3>Three</h3><img src="${`data:image/png;base64,${imageGrid({ shape: [1, 2, 2, 1], data: new Float32Array(4) }).toString('base64')}`}"></body></html>`);
  await printToPdf(chromium, bad, bad.replace(/\.html$/, '.pdf'));
  // (Chromium sets /Lang from its locale where the page has none, and outlines every heading: both taken away here.)
  t.deepEqual(pdfUaProblems({ ...readPdfStructure(bad.replace(/\.html$/, '.pdf')), outline: [], lang: '' }), [
    'no natural language set (/Lang \'\') (PDF/UA 7.2)',
    '1 of 1 figures without alternative text (PDF/UA 7.3)',
    'heading 2 is H3 after H1: a level skipped (PDF/UA 7.4.2)',
    'the outline has 0 entries for 1 H1 and H2 headings (bookmarks)',
  ]);
  for (const html of publishedHandouts()) {
    const printed = html.replace(/\.html$/, '.pdf');
    if (!fs.existsSync(printed)) continue;
    const problems = pdfUaProblems(readPdfStructure(printed));
    t.deepEqual(problems, [], path.basename(printed));
  }
  const book = path.join(OUTPUTS, 'handouts', 'at-odds.pdf');
  if (fs.existsSync(book)) t.deepEqual(pdfUaProblems(readPdfStructure(book)), [], 'at-odds.pdf');
});

test('the course site: a course page that passes axe, each chapter linked to it and to its neighbours, and at-odds.pdf with every chapter in its outline', async (t) => {
  const chromium = findChromium();
  const site = tempDir('site');
  const book = fs.readFileSync(small, 'utf8');
  for (const [i, name] of ['01-first', '02-second'].entries()) {
    fs.writeFileSync(path.join(site, `${name}.html`), book.replace('<title>', '<title>').replace(/<title>[^<]*<\/title>/, `<title>Chapter ${i + 1}</title>`).replace('A small handout', `Chapter ${i + 1} heading`));
  }
  await printToPdf(chromium!, path.join(site, '01-first.html'), path.join(site, '01-first.pdf'));
  const nbs = tempDir('site-nb');
  fs.writeFileSync(path.join(nbs, '01-first.ipynb'), '{}');
  const written = await writeCourseSite(site, { notebooksDir: nbs, chromium });
  const index = fs.readFileSync(written.index, 'utf8');
  t.true(index.includes(CITATION.replace(/&/g, '&amp;')), 'the paper\'s citation');
  for (const href of ['01-first.html', '01-first.pdf', 'notebooks/01-first.ipynb', '02-second.html', 'at-odds.pdf']) t.true(index.includes(`href="${href}"`), href);
  t.false(index.includes('href="02-second.pdf"'), 'no link to a PDF that is not there');
  t.regex(index, /<img class="thumb" src="data:image\/jpeg;base64,[^"]+" alt="The first page of chapter 1's handout"/);
  t.false(/(src|href)="(https?:|\/)/.test(index), 'every link relative, every picture inlined');
  const first = fs.readFileSync(path.join(site, '01-first.html'), 'utf8');
  const second = fs.readFileSync(path.join(site, '02-second.html'), 'utf8');
  t.regex(first, /<nav class="at-odds-nav" aria-label="Course">.*href="index.html".*href="02-second.html" rel="next"/);
  t.regex(second, /<nav class="at-odds-nav" aria-label="Course">.*href="01-first.html" rel="prev"/);
  // Written again, each chapter keeps one navigation bar.
  await writeCourseSite(site, { notebooksDir: nbs });
  t.is(fs.readFileSync(path.join(site, '01-first.html'), 'utf8').match(/class="at-odds-nav"/g)?.length, 1);
  t.deepEqual(await axeViolations(written.index), []);
  const s = readPdfStructure(written.pdf!);
  t.deepEqual(pdfUaProblems(s), []);
  t.deepEqual(s.outline.filter((o) => /^Chapter \d heading$/.test(o)), ['Chapter 1 heading', 'Chapter 2 heading'], 'both chapters in the outline, in order');
  t.deepEqual(s.headings.filter((h) => h === 1).length, 2);
});

test('a chapter\'s figures are numbered in page order, "Figure 2.1", in their captions, their tables and above the explorer', (t) => {
  const numbered = path.join(dir, '02-numbered.html');
  const r = spawnSync(venvBin('python'), ['-c', `import sys, nbformat; sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'jupyter'))}); import run_notebook as r; r.export_html(nbformat.read(sys.argv[1], as_version=4), '02-numbered', sys.argv[2])`, small.replace(/\.html$/, '.ipynb'), numbered], { cwd: ROOT, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const html = fs.readFileSync(numbered, 'utf8');
  t.deepEqual([...html.matchAll(/<strong class="ao-figure-number">(Figure [\d.]+)<\/strong>/g)].map((m) => m[1]), ['Figure 2.1.', 'Figure 2.2.', 'Figure 2.3.'], 'the plot, the live theory figure, the explorer');
  t.deepEqual([...html.matchAll(/<summary>(Data for [^<]*)<\/summary>/g)].map((m) => m[1]), ['Data for Figure 2.1', 'Data for Figure 2.2']);
  t.false(fs.readFileSync(small, 'utf8').includes('ao-figure-number'), 'a notebook that is not a chapter (NN-name) is not numbered');
});

/** Exports a notebook as the runner exports chapter `name` (its number is the figures' chapter). */
function exportAs(nb: object, name: string): { status: number | null; stderr: string; html: string } {
  const ipynb = path.join(dir, `${name}.ipynb`);
  const out = path.join(dir, `${name}.html`);
  fs.writeFileSync(ipynb, JSON.stringify(nb));
  const r = spawnSync(venvBin('python'), ['-c', `import sys, nbformat; sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'jupyter'))}); import run_notebook as r; r.export_html(nbformat.read(sys.argv[1], as_version=4), sys.argv[3], sys.argv[2])`, ipynb, out, name], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, html: r.status === 0 ? fs.readFileSync(out, 'utf8') : '' };
}

const md = (source: string) => ({ cell_type: 'markdown', metadata: {}, source });
const gridImg = (alt: string) => `<img class="at-odds-grid" alt="${alt}" src="data:image/png;base64,AA==">`;
const notebookOf = (cells: object[]) => ({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } }, cells });

test('a link to a figure label reads as the figure\'s number in the handout, "Figure 2.2", or "Figures 2.3 and 2.4" for a cell that draws two', (t) => {
  const r = exportAs(notebookOf([
    md('# Chapter\n\n[The last figure](#fig-last) comes after [the pair](#fig-pair); [this one](#fig-undrawn) was not drawn.'),
    htmlCell('showImage(a);', gridImg('unlabelled')),
    md('Before the first labelled figure.\n\n<a id="fig-one"></a>'),
    htmlCell('showImage(b);', gridImg('one')),
    md('A cell that draws one figure per model.\n\n<a id="fig-pair"></a>'),
    htmlCell('showImages(c);', gridImg('pair 1') + gridImg('pair 2')),
    md('Its models are absent: it draws nothing, so this label gets no number, not the next figure\'s.\n\n<a id="fig-undrawn"></a>'),
    { cell_type: 'code', execution_count: 1, metadata: {}, source: 'showImage(d);', outputs: [] },
    md('<a id="fig-last"></a>'),
    htmlCell('showImage(e);', gridImg('last')),
    md('As [the first figure](#fig-one) showed.'),
  ]), '02-refs');
  t.is(r.status, 0, r.stderr);
  t.deepEqual([...r.html.matchAll(/<a href="#(fig-[\w-]+)">([^<]*)<\/a>/g)].map((m) => `${m[1]}: ${m[2]}`),
    ['fig-last: Figure 2.5', 'fig-pair: Figures 2.3 and 2.4', 'fig-undrawn: this one', 'fig-one: Figure 2.2'], 'in page order, a reference before its label included');
  t.deepEqual([...r.html.matchAll(/<strong class="ao-figure-number">(Figure [\d.]+)<\/strong>/g)].map((m) => m[1]), ['Figure 2.1.', 'Figure 2.2.', 'Figure 2.3.', 'Figure 2.4.', 'Figure 2.5.']);
  t.true(r.html.includes('<a id="fig-last"></a>'), 'the label stays, as the link\'s target just above its figure');
});

test('a link to a figure label that the chapter does not define fails the export, naming the label and the chapter', (t) => {
  const r = exportAs(notebookOf([md('# Chapter\n\nSee [the figure](#fig-missing).\n\n<a id="fig-here"></a>'), htmlCell('showImage(a);', gridImg('a'))]), '03-badref');
  t.not(r.status, 0);
  t.regex(r.stderr, /\[03-badref\].*fig-missing/);
  const twice = exportAs(notebookOf([md('# Chapter\n\n<a id="fig-a"></a>'), htmlCell('showImage(a);', gridImg('a')), md('<a id="fig-a"></a>'), htmlCell('showImage(b);', gridImg('b'))]), '03-twice');
  t.not(twice.status, 0);
  t.regex(twice.stderr, /\[03-twice\].*fig-a.*twice/);
});

test('in every chapter each link to one of its figures has its label, just before the code cell that draws it, and headings name the paper\'s figures as the paper\'s', (t) => {
  const chapters = fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => /^\d\d-.*\.ipynb$/.test(f));
  t.is(chapters.length, 4);
  const text = (c: { source: string | string[] }) => (Array.isArray(c.source) ? c.source.join('') : c.source);
  for (const f of chapters) {
    const cells = JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', f), 'utf8')).cells as { cell_type: string; source: string | string[] }[];
    const labels: string[] = [];
    cells.forEach((c, i) => {
      if (c.cell_type !== 'markdown') return;
      for (const m of text(c).matchAll(/<a id="(fig-[\w-]+)"><\/a>/g)) {
        labels.push(m[1]);
        t.is(cells[i + 1]?.cell_type, 'code', `${f}: ${m[1]} is followed by the code cell that draws its figure`);
      }
      for (const h of text(c).matchAll(/^#+ .*$/gm)) t.notRegex(h[0], /^#+ Figures? \d/, `${f}: "${h[0]}" names the paper's figure as if it were this chapter's`);
    });
    t.is(new Set(labels).size, labels.length, `${f}: each label once`);
    const refs = cells.filter((c) => c.cell_type === 'markdown').flatMap((c) => [...text(c).matchAll(/\]\(#(fig-[\w-]+)\)/g)].map((m) => m[1]));
    t.true(refs.length > 0, `${f} refers to its figures`);
    for (const r of refs) t.true(labels.includes(r), `${f}: [..](#${r}) has no <a id="${r}"></a>`);
  }
});

test('points with error bars and no [lo, hi, n] show the bars\' ends in their table', (t) => {
  const table = figureTable({ data: [{ name: 'Monte Carlo', x: [0, 1], y: [0.9, 0.5], error_y: { type: 'data', array: [0.01, 0.02], visible: true } }], layout: { yaxis: { title: { text: 'accuracy' } } } });
  t.deepEqual(table.header, ['series', 'x', 'accuracy', 'error bar']);
  t.deepEqual(table.rows, [['Monte Carlo', '0', '90%', '[89%, 91%]'], ['Monte Carlo', '1', '50%', '[48%, 52%]']]);
});
