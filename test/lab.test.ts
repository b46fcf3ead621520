// Stepping through in JupyterLab (headless Chromium): the executed chapter opens trusted, its figures
// are drawn by the plotly extension on their own, after a page reload too, and the same chapter open
// twice side by side draws every figure in both.
import test from 'ava';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import puppeteer, { Page } from 'puppeteer-core';
import { chromiumFlags, findChromium } from '../lib/handouts/chromium';
import { atOdds, tempDir } from './helpers/cli';
import { figureHeights, freePort, inLab, settled, startLab } from './helpers/lab';

test.serial('JupyterLab draws every figure of an executed chapter, again after a reload, and in two copies side by side', async (t) => {
  const out = tempDir('lab');
  const r = atOdds(['notebooks', '01-theory', '--out', out]);
  t.is(r.code, 0, r.stderr);
  fs.copyFileSync(path.join(out, 'notebooks', '01-theory.ipynb'), path.join(out, 'notebooks', 'copy.ipynb'));
  const { lab, url } = await startLab(out);
  const browser = await puppeteer.launch({ executablePath: findChromium()!, args: chromiumFlags(tempDir('lab-chromium')), headless: true });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1300, height: 1000 });
    await page.goto(`${url}/lab/tree/notebooks/01-theory.ipynb`, { waitUntil: 'networkidle2', timeout: 60_000 });
    await page.waitForSelector('.js-plotly-plot .main-svg', { timeout: 60_000 });
    const before = await figureHeights(page);
    t.true(before.length >= 4, `figures: ${before.length}`);
    t.true(before.every((h) => h > 100), `drawn heights ${before}`);
    await page.reload({ waitUntil: 'networkidle2' });
    await page.waitForSelector('.js-plotly-plot .main-svg', { timeout: 60_000 });
    t.deepEqual(await figureHeights(page), before, 'the same figures, drawn, after a reload');
    await page.screenshot({ path: path.join(out, 'lab-after-reload.png') });
    // The executed chapter and a copy of it, side by side: each panel draws all of its own figures.
    await page.evaluate(() => (window as unknown as { jupyterapp: { commands: { execute(c: string, a: object): Promise<unknown> } } })
      .jupyterapp.commands.execute('docmanager:open', { path: 'notebooks/copy.ipynb', options: { mode: 'split-right' } }));
    await page.waitForFunction(() => document.querySelectorAll('.jp-NotebookPanel').length === 2, { timeout: 30_000 });
    const panels = await page.$$eval('.jp-NotebookPanel', (ps) => ps.map((p) => p.id));
    for (const id of panels) {
      const heights = await figureHeights(page, `[id="${id}"]`);
      t.is(heights.length, before.length, `panel ${id}`);
      t.true(heights.every((h) => h > 100), `panel ${id}: ${heights}`);
    }
    // For the screenshot: both panels at the tradeoff figure, the third.
    await page.evaluate(() => document.querySelectorAll('.jp-NotebookPanel').forEach((p) => p.querySelectorAll('.js-plotly-plot')[2]?.scrollIntoView()));
    await new Promise((r) => setTimeout(r, 1000));
    await page.screenshot({ path: path.join(out, 'lab-side-by-side.png') });
    t.log(`screenshots in ${out}`);
  } finally {
    await browser.close();
    lab.kill();
  }
});

/**
 * A chapter of notebooks/ opened in a JupyterLab of its own (a fresh folder holding a copy of it),
 * with its kernel started: `fn` gets the page; Lab and the browser are closed after.
 */
async function inChapter(chapter: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const root = tempDir(`lab-${chapter}`);
  fs.mkdirSync(path.join(root, 'notebooks'));
  fs.copyFileSync(path.join(__dirname, '..', 'notebooks', `${chapter}.ipynb`), path.join(root, 'notebooks', `${chapter}.ipynb`));
  const { lab, url } = await startLab(root);
  const browser = await puppeteer.launch({ executablePath: findChromium()!, args: chromiumFlags(tempDir('lab-chromium')), headless: true });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1300, height: 1000 });
    await page.goto(`${url}/lab/tree/notebooks/${chapter}.ipynb`, { waitUntil: 'networkidle2', timeout: 60_000 });
    await settled(page, 300_000);
    await fn(page);
    await page.screenshot({ path: path.join(root, `${chapter}.png`) });
  } finally {
    await browser.close();
    lab.kill();
  }
}

test.serial('stepping through 01-theory in JupyterLab: run every cell, run a figure cell again, change p and run the cells after it', async (t) => {
  await inChapter('01-theory', async (page) => {
    t.false(await inLab(page, (app) => app.shell.currentWidget.context.model.dirty), 'opening the chapter changes nothing in it');
    await inLab(page, (app) => app.commands.execute('notebook:run-all-cells'));
    await settled(page);
    const outputs = () => inLab(page, (app) => (app.shell.currentWidget.content.widgets as any[]).map((c) => JSON.stringify(c.model.type === 'code' ? c.model.outputs.toJSON() : [])));
    const first = await outputs();
    t.false(first.some((o) => o.includes('"output_type":"error"')), 'no cell fails');
    t.true(first.some((o) => o.includes('p = 0.95')));
    t.is((await figureHeights(page)).length, 4, 'four figures drawn');

    // A figure cell run a second time draws its figure again.
    const figureCell = first.findIndex((o) => o.includes('application/vnd.plotly.v1+json'));
    await inLab(page, (app, i) => { app.shell.currentWidget.content.activeCellIndex = i; return app.commands.execute('notebook:run-cell'); }, figureCell);
    await settled(page);
    t.true((await outputs())[figureCell].includes('application/vnd.plotly.v1+json'));
    t.is((await figureHeights(page)).length, 4, 'still four figures, all drawn');

    // p = 0.8 in the parameters cell; run it, then the chapter from its first section on, as a student
    // would: the imports cell is not run again.
    await inLab(page, (app) => {
      const cell = app.shell.currentWidget.content.widgets[1];
      cell.model.sharedModel.setSource(cell.model.sharedModel.getSource().replace('const p = 0.95;', 'const p = 0.8;'));
      app.shell.currentWidget.content.activeCellIndex = 1;
      return app.commands.execute('notebook:run-cell');
    });
    await settled(page);
    await inLab(page, (app) => {
      app.shell.currentWidget.content.activeCellIndex = 3;
      return app.commands.execute('notebook:run-all-below');
    });
    await settled(page);
    const after = await outputs();
    t.false(after.some((o) => o.includes('"output_type":"error"')), 'no cell fails on the second run');
    t.true(after.some((o) => o.includes('p = 0.8')), 'the new p is used');
    t.false(after.some((o) => o.includes('p = 0.95')), 'nothing still shows the old p');
  });
});


test.serial('02-mnist in JupyterLab: after its last cell, the accuracy cell runs again, and the live explorer answers its slider', async (t) => {
  await inChapter('02-mnist', async (page) => {
    // A small run: 20 test digits, PGD-3, as a student short of time would set it.
    await inLab(page, (app) => {
      const cell = app.shell.currentWidget.content.widgets[1];
      cell.model.sharedModel.setSource(cell.model.sharedModel.getSource().replace('const attackImages = 0;', 'const attackImages = 20;').replace('const pgdSteps = 0;', 'const pgdSteps = 3;')
        // Attack every model now, not the stored evaluations: the cell to run again is the one that computes.
        .replace('const remeasure = false;', 'const remeasure = true;'));
      return app.commands.execute('notebook:run-all-cells');
    });
    await settled(page, 200_000);
    const outputs = () => inLab(page, (app) => (app.shell.currentWidget.content.widgets as any[]).map((c) => JSON.stringify(c.model.type === 'code' ? c.model.outputs.toJSON() : [])));
    const first = await outputs();
    t.false(first.some((o) => o.includes('"output_type":"error"')), 'no cell fails');
    // The memory report is the last code cell's output (the References section follows it).
    t.regex([...first].reverse().find((o) => o.includes('tensors held')) ?? '', /0 unaccounted for/);
    const accuracyCell = first.findIndex((o) => o.includes('on the first n = 20 test images'));
    t.true(accuracyCell > 0);
    await inLab(page, (app, i) => { app.shell.currentWidget.content.activeCellIndex = i; return app.commands.execute('notebook:run-cell'); }, accuracyCell);
    await settled(page, 90_000);
    const again = (await outputs())[accuracyCell];
    t.false(again.includes('"output_type":"error"'), again.slice(0, 500));
    t.regex(again, /on the first n = 20 test images/);

    // The live explorer: its output attacks in the page; a student moves the slider and it answers.
    const explorerCell = first.findIndex((o) => o.includes('at-odds-explorer'));
    t.true(explorerCell > 0, 'the explorer cell has its output');
    await inLab(page, (app, i) => {
      const nb = app.shell.currentWidget.content;
      nb.activeCellIndex = i;
      return nb.scrollToCell(nb.widgets[i]);
    }, explorerCell);
    const sel = '.jp-NotebookPanel .at-odds-explorer';
    const done = () => page.$eval(sel, (e) => +((e as HTMLElement).dataset.done ?? 0));
    await page.waitForFunction((q) => (document.querySelector(q) as HTMLElement | null)?.dataset.state === 'ready', { timeout: 120_000 }, sel);
    const state = () => page.$eval(sel, (e) => ({
      eps: e.querySelector('.ao-live .at-odds-eps')!.textContent,
      images: Array.from(e.querySelectorAll('img.at-odds-adv'), (i) => i.getAttribute('src')),
      predictions: Array.from(e.querySelectorAll('.at-odds-pred'), (d) => d.textContent),
    }));
    const before = await state();
    t.is(before.eps, '0.3');
    const n = await done();
    const slider = (await page.$(`${sel} .ao-live input[type=range]`))!;
    await slider.scrollIntoView();
    // Drag the thumb towards the left end, as a mouse would.
    const box = (await slider.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.mouse.down();
    for (let k = 1; k <= 8; k++) await page.mouse.move(box.x + box.width * (0.6 - 0.07 * k), box.y + box.height / 2);
    await page.mouse.up();
    await page.waitForFunction((q, m) => { const e = document.querySelector(q) as HTMLElement; return e.dataset.state === 'ready' && +(e.dataset.done ?? 0) > m; }, { timeout: 60_000 }, sel, n);
    const after = await state();
    t.not(after.eps, before.eps, `the slider moved: ${after.eps}`);
    t.true(+after.eps! < 0.1, `eps ${after.eps}`);
    t.notDeepEqual(after.images, before.images, 'the images change');
    t.notDeepEqual(after.predictions, before.predictions, 'the predictions change');
    await (await page.$(sel))!.screenshot({ path: path.join(tempDir('lab-explorer'), 'lab-explorer.png') });
  });
});

test.serial('npm run lab starts as root and listens on localhost only', async (t) => {
  const port = await freePort();
  const lab = spawn('npm', ['run', 'lab', '--', '--no-browser', `--port=${port}`, '--ServerApp.token=', `--LabApp.workspaces_dir=${tempDir('lab-workspaces')}`], { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  lab.stdout!.on('data', (d) => { log += d; });
  lab.stderr!.on('data', (d) => { log += d; });
  try {
    for (const t0 = Date.now(); !log.includes('is running at'); await new Promise((r) => setTimeout(r, 200))) {
      if (Date.now() - t0 > 90_000 || lab.exitCode !== null) break;
    }
    t.regex(log, /is running at/, log.slice(-2000));
    t.notRegex(log, /Running as root is not recommended/);
    t.regex(log, new RegExp(`http://127\\.0\\.0\\.1:${port}/`), 'localhost only');
    const r = await fetch(`http://127.0.0.1:${port}/api/status`);
    t.is(r.status, 200);
  } finally {
    process.kill(-lab.pid!, 'SIGTERM');
  }
});
