// A student's session in JupyterLab (headless Chromium): the chapter as cloned, Run All, save, reload the
// page; then JupyterLab stopped and started again, and the notebook opened anew. Every figure, live figure
// and explorer must be drawn each time, whichever outputs the notebook kept.
import test, { ExecutionContext } from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import puppeteer, { Page } from 'puppeteer-core';
import { chromiumFlags, findChromium } from '../lib/handouts/chromium';
import { ROOT, tempDir } from './helpers/cli';
import { inLab, settled, shownOutputs, ShownOutput, startLab, stopLab } from './helpers/lab';

interface SavedNotebook { cells: { cell_type: string; outputs?: { data?: Record<string, unknown> }[] }[] }

const html = (o: { data?: Record<string, unknown> }) => [o.data?.['text/html'] ?? ''].flat().join('');

/** What the saved file holds: each figure, live figure and explorer output, and how many of each. */
function savedOutputs(file: string) {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedNotebook;
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  return {
    plotly: outputs.filter((o) => o.data?.['application/vnd.plotly.v1+json']).length,
    live: outputs.map(html).filter((h) => h.includes('class="at-odds-theory"')),
    explorers: outputs.map(html).filter((h) => h.includes('class="at-odds-explorer"')).length,
    images: outputs.filter((o) => o.data?.['image/png'] && !o.data?.['application/vnd.plotly.v1+json']).length,
  };
}

function expectDrawn(t: ExecutionContext, shown: ShownOutput[], expected: ReturnType<typeof savedOutputs>, when: string): void {
  const of = (kind: ShownOutput['kind']) => shown.filter((o) => o.kind === kind);
  t.is(of('plotly').length, expected.plotly, `${when}: plotly figures in the page`);
  t.is(of('live theory').length, expected.live.length, `${when}: live theory figures in the page`);
  t.is(of('explorer').length, expected.explorers, `${when}: explorers in the page`);
  t.is(of('image').length, expected.images, `${when}: images in the page`);
  const undrawn = shown.filter((o) => !o.drawn || o.height < 60);
  t.deepEqual(undrawn, [], `${when}: every one drawn`);
}

/**
 * `chapter` from notebooks/, copied as cloned into a folder of its own that JupyterLab serves (its kernel
 * runs in the repository root, as under `npm run lab`): `edit` may change the copy's cells first, then Run
 * All (`runs` times), save, reload the page, count; stop JupyterLab, start it again, open the notebook,
 * count. Returns the folder and the page's counts.
 */
async function studentSession(t: ExecutionContext, chapter: string, opts: { runs: number; edit?: (page: Page) => Promise<unknown> }): Promise<{ root: string; saved: ReturnType<typeof savedOutputs> }> {
  const root = tempDir(`lab-save-${chapter}`);
  fs.mkdirSync(path.join(root, 'notebooks'));
  const file = path.join(root, 'notebooks', `${chapter}.ipynb`);
  fs.copyFileSync(path.join(ROOT, 'notebooks', `${chapter}.ipynb`), file);
  let { lab, url } = await startLab(root);
  const browser = await puppeteer.launch({ executablePath: findChromium()!, args: chromiumFlags(tempDir('lab-chromium')), headless: true });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1300, height: 1000 });
    const open = async () => {
      await page.goto(`${url}/lab/tree/notebooks/${chapter}.ipynb`, { waitUntil: 'networkidle2', timeout: 90_000 });
      await page.waitForFunction(() => (window as any).jupyterapp?.shell.currentWidget?.context?.isReady, { timeout: 60_000 });
    };
    await open();
    await settled(page, 300_000);
    await opts.edit?.(page);
    for (let run = 0; run < opts.runs; run++) {
      await inLab(page, (app) => app.commands.execute('notebook:run-all-cells'));
      await settled(page, 400_000);
    }
    const errors = await inLab(page, (app) => (app.shell.currentWidget.content.widgets as any[])
      .filter((c) => c.model.type === 'code' && JSON.stringify(c.model.outputs.toJSON()).includes('"output_type":"error"')).length);
    t.is(errors, 0, 'no cell fails');

    // Save (what Ctrl+S does): the file holds the outputs, signed by Jupyter as outputs the user ran.
    await inLab(page, (app) => app.commands.execute('docmanager:save'));
    await page.waitForFunction(() => !(window as any).jupyterapp.shell.currentWidget.context.model.dirty, { timeout: 60_000 });
    const saved = savedOutputs(file);
    t.true(saved.live.every((h) => h.includes("window.atOddsUnpack('atOddsPlotly'")), 'each live theory figure carries plotly.js');
    t.true(saved.live.every((h) => /<img class="ao-theory-static"[^>]* src="data:image\/svg\+xml;base64,/.test(h)), 'and a picture of its starting state');

    await page.reload({ waitUntil: 'networkidle2', timeout: 90_000 });
    await page.waitForFunction(() => (window as any).jupyterapp?.shell.currentWidget?.context?.isReady, { timeout: 60_000 });
    expectDrawn(t, await shownOutputs(page), saved, 'after the save and a reload');
    await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.node.querySelector('.at-odds-theory, .at-odds-explorer')?.scrollIntoView());
    await new Promise((r) => setTimeout(r, 500));
    await page.screenshot({ path: path.join(root, `${chapter}-after-reload.png`) });

    // `npm run lab` stopped and started again: the same folder, the same signatures.
    await stopLab(lab);
    ({ lab, url } = await startLab(root));
    await open();
    expectDrawn(t, await shownOutputs(page), saved, 'after JupyterLab restarted');
    t.log(`${chapter}: ${saved.plotly} plotly figures, ${saved.live.length} live theory figures, ${saved.explorers} explorers, ${saved.images} images; screenshot ${path.join(root, `${chapter}-after-reload.png`)}`);
    return { root, saved };
  } finally {
    await browser.close();
    await stopLab(lab);
  }
}

test.serial('01-theory in JupyterLab: Run All (twice), save, reload, restart: every figure drawn, none at its placeholder', async (t) => {
  // The second run is a student's second look: before, it left no output carrying plotly.js in the file.
  const { saved } = await studentSession(t, '01-theory', { runs: 2 });
  t.is(saved.plotly, 1, 'the SVMs');
  t.is(saved.live.length, 3, 'weak features, accuracy, Theorem 2.1');
});

test.serial('02-mnist in JupyterLab: Run All, save, reload, restart: every figure drawn, the explorer live', async (t) => {
  const { saved } = await studentSession(t, '02-mnist', {
    runs: 1,
    // A small run: 20 test digits, PGD-3, as a student short of time would set it.
    edit: (page) => inLab(page, (app) => {
      const cell = app.shell.currentWidget.content.widgets[1];
      cell.model.sharedModel.setSource(cell.model.sharedModel.getSource().replace('const attackImages = 0;', 'const attackImages = 20;').replace('const pgdSteps = 0;', 'const pgdSteps = 3;'));
    }),
  });
  t.true(saved.plotly >= 4, `plotly figures: ${saved.plotly}`);
  t.is(saved.explorers, 1);
});
