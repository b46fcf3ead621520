// JupyterLab driven by headless Chromium: starting it on a folder of notebooks, its application object,
// and what a notebook panel shows, scrolled through from top to bottom (Lab keeps only the cells near the
// view in the page).
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import type { Page } from 'puppeteer-core';
import { jupyterEnv } from '../../lib/setup/jupyter';
import { venvBin } from '../../lib/paths';
import { tempDir } from './cli';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * JupyterLab on `root`, in the environment `npm run lab` gives it (our kernelspec, whose kernel runs in
 * the repository root; Jupyter's data, notebook signatures included, in .venv), with the application
 * object exposed to the page.
 */
export async function startLab(root: string): Promise<{ lab: ChildProcess; url: string }> {
  const port = await freePort();
  const lab = spawn(venvBin('jupyter'), ['lab', '--no-browser', `--port=${port}`, '--ip=127.0.0.1', '--allow-root', `--notebook-dir=${root}`,
    '--ServerApp.token=', '--ServerApp.password=', '--ServerApp.disable_check_xsrf=True', '--LabApp.expose_app_in_browser=True', `--LabApp.workspaces_dir=${tempDir('lab-workspaces')}`], { env: jupyterEnv(root), stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  lab.stderr!.on('data', (d) => { log += d; });
  for (const t0 = Date.now(); !log.includes('is running at'); await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() - t0 > 60_000 || lab.exitCode !== null) throw new Error(`JupyterLab did not start:\n${log}`);
  }
  return { lab, url: `http://127.0.0.1:${port}` };
}

/** Stops a JupyterLab started by startLab, and its kernels, and waits until it has. */
export async function stopLab(lab: ChildProcess): Promise<void> {
  if (lab.exitCode !== null) return;
  const exited = new Promise((r) => lab.once('exit', r));
  lab.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (lab.exitCode === null) lab.kill('SIGKILL');
}

/**
 * The drawn height of every plotly figure in a notebook panel: scrolled through from top to bottom,
 * since Lab renders only what comes near the view.
 */
export async function figureHeights(page: Page, panel = '.jp-NotebookPanel'): Promise<number[]> {
  await page.evaluate((sel) => { (window as unknown as { seen: Map<Element, number> }).seen = new Map(); document.querySelector(sel)!.querySelector('.jp-WindowedPanel-outer')!.scrollTop = 0; }, panel);
  let budget = 60_000;
  for (let step = 0; step < 200; step++) {
    await new Promise((r) => setTimeout(r, 250));
    // Waits for the page share one budget, so that a figure that never draws fails the test in a minute, not at every stop.
    const t0 = Date.now();
    await page.waitForFunction(`${PENDING}(document.querySelector(${JSON.stringify(panel)}), true) === 0`, { timeout: Math.max(1, budget), polling: 250 }).catch(() => undefined);
    budget -= Date.now() - t0;
    const atEnd = await page.evaluate((sel) => {
      const root = document.querySelector(sel)!;
      const seen = (window as unknown as { seen: Map<Element, number> }).seen;
      root.querySelectorAll('.js-plotly-plot').forEach((f) => { if (f.querySelector('.main-svg')) seen.set(f, (f as HTMLElement).offsetHeight); });
      const scroller = root.querySelector('.jp-WindowedPanel-outer')!;
      if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2) return true;
      scroller.scrollTop += scroller.clientHeight / 2;
      return false;
    }, panel);
    if (atEnd) break;
  }
  return page.evaluate(() => [...(window as unknown as { seen: Map<Element, number> }).seen.values()]);
}

export interface LabApp { commands: { execute(c: string, a?: object): Promise<unknown> }; shell: { currentWidget: any } }

/** Runs `fn` in the page with JupyterLab's application object. */
export function inLab<T>(page: Page, fn: (app: LabApp, ...args: any[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
  return page.evaluate(`(${fn.toString()})(window.jupyterapp, ...${JSON.stringify(args)})`) as Promise<T>;
}

/** Waits until the current notebook's kernel is idle with nothing queued. */
export async function settled(page: Page, timeout = 240_000): Promise<void> {
  await page.waitForFunction(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const kernel = panel?.sessionContext?.session?.kernel;
    return kernel && kernel.status === 'idle' && !(panel.content.widgets as any[]).some((c) => c.model.type === 'code' && c.promptNode?.textContent?.includes('*'));
  }, { timeout, polling: 500 });
}

/** One output of the notebook as the page shows it. */
export interface ShownOutput {
  /** 'cell/output', by the cell's place in the notebook. */
  key: string;
  kind: 'plotly' | 'live theory' | 'explorer' | 'image';
  /** Drawn: a plotly figure (live, or the picture plotly's extension keeps of it), a live figure or explorer started, an image loaded. */
  drawn: boolean;
  height: number;
  /** A live theory figure or explorer: its data-state (static, ready, failed). */
  state?: string;
}

// Plain JavaScript, not a function of this file: tsx would wrap its inner functions in a helper the page lacks.
// How much of a notebook panel's page is still to come. Lab attaches cells a few at a time after the
// notebook's file is ready, their outputs after them, and plotly draws later still: until the cells in the
// page reach the view's bottom (or the notebook's end), each has as many outputs as its model (and, with
// `figures`, each plotly figure in view has drawn), a look at the page would find the notebook short.
const PENDING = `(function (panel, figures) {
  var widget = Array.from(window.jupyterapp.shell.widgets('main')).find(function (w) { return w.node === panel; });
  var widgets = widget ? widget.content.widgets : [];
  var scroller = panel.querySelector('.jp-WindowedPanel-outer');
  var cells = Array.from(panel.querySelectorAll('.jp-Cell'));
  var pending = 0, last = -1, bottom = -Infinity;
  cells.forEach(function (cell) {
    var i = Number(cell.dataset.windowedListIndex || cells.indexOf(cell));
    var model = widgets[i];
    var want = model && model.model.type === 'code' ? model.model.outputs.length : 0;
    if (cell.querySelectorAll('.jp-OutputArea-output').length < want) pending++;
    if (figures) cell.querySelectorAll('.js-plotly-plot').forEach(function (f) { if (f.offsetHeight > 0 && !f.querySelector('.main-svg')) pending++; });
    last = Math.max(last, i);
    bottom = Math.max(bottom, cell.getBoundingClientRect().bottom);
  });
  if (!widget || !scroller) return 1;
  if (widgets.length > 0 && last < widgets.length - 1 && bottom < scroller.getBoundingClientRect().bottom) pending++;
  return pending;
})`;

const LOOK = `(function () {
  var panel = window.jupyterapp.shell.currentWidget.node;
  var found = {};
  function visible(e) { return !!e && e.style.display !== 'none' && e.offsetHeight > 0; }
  function loaded(i) { return !!i && i.complete && i.naturalWidth > 0 && visible(i); }
  var cells = Array.from(panel.querySelectorAll('.jp-Cell'));
  cells.forEach(function (cell) {
    var index = cell.dataset.windowedListIndex || String(cells.indexOf(cell));
    cell.querySelectorAll('.jp-OutputArea-output').forEach(function (out, k) {
      var key = index + '/' + k, root;
      if (out.classList.contains('jp-RenderedPlotly')) {
        var graph = out.querySelector('.plot-container');
        found[key] = { kind: 'plotly', height: out.offsetHeight, drawn: (visible(graph) && !!graph.querySelector('.main-svg')) || loaded(out.querySelector('img.plot-img')) };
      } else if ((root = out.querySelector('.at-odds-theory'))) {
        found[key] = { kind: 'live theory', height: root.offsetHeight, state: root.dataset.state, drawn: root.dataset.state === 'ready' && !!root.querySelector('.js-plotly-plot .main-svg') };
      } else if ((root = out.querySelector('.at-odds-explorer'))) {
        found[key] = { kind: 'explorer', height: root.offsetHeight, state: root.dataset.state, drawn: root.dataset.state === 'ready' && root.querySelectorAll('img.at-odds-adv').length > 0 };
      } else if (out.classList.contains('jp-RenderedImage')) {
        found[key] = { kind: 'image', height: out.offsetHeight, drawn: loaded(out.querySelector('img')) };
      }
    });
  });
  var scroller = panel.querySelector('.jp-WindowedPanel-outer');
  var pending = ${PENDING}(panel, false);
  return { found: found, pending: pending, atEnd: !!scroller && scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2 };
})()`;

/**
 * Every figure, live figure, explorer and image of the current notebook panel, scrolled through from top to
 * bottom: at each stop, what is in the page is given up to `patience` ms to draw (a live output unpacks its
 * code and plotly.js first); each output is kept at the best the page showed of it.
 */
export async function shownOutputs(page: Page, patience = 30_000): Promise<ShownOutput[]> {
  const look = () => page.evaluate(LOOK) as Promise<{ found: Record<string, Omit<ShownOutput, 'key'>>; pending: number; atEnd: boolean }>;
  const seen = new Map<string, ShownOutput>();
  const waited = new Set<string>();
  let building = 0; // ms waited on the page's own arrival alone, over the whole scan
  await page.waitForFunction(() => !!(window as any).jupyterapp.shell.currentWidget?.node.querySelector('.jp-WindowedPanel-outer'), { timeout: patience });
  await page.evaluate(() => { (window as any).jupyterapp.shell.currentWidget.node.querySelector('.jp-WindowedPanel-outer').scrollTop = 0; });
  for (let step = 0; step < 200; step++) {
    let now = await look();
    // Each output is waited for once: one that never draws costs `patience`, not that at every stop.
    const waiting = () => Object.entries(now.found).filter(([key, o]) => !o.drawn && !waited.has(key)).map(([key]) => key);
    // Waits on the page's own arrival share one budget over the whole scan: a page that never completes costs that once.
    for (const t0 = Date.now(); (waiting().length || (now.pending && building < 2 * patience)) && Date.now() - t0 < patience;) {
      const w0 = Date.now(), forPage = !waiting().length;
      await new Promise((r) => setTimeout(r, 250));
      now = await look();
      if (forPage) building += Date.now() - w0;
    }
    for (const key of Object.keys(now.found)) waited.add(key);
    for (const [key, o] of Object.entries(now.found)) {
      if (!seen.get(key)?.drawn) seen.set(key, { key, ...o } as ShownOutput);
    }
    if (now.atEnd) break;
    await page.evaluate(() => {
      const scroller = (window as any).jupyterapp.shell.currentWidget.node.querySelector('.jp-WindowedPanel-outer');
      scroller.scrollTop += scroller.clientHeight / 2;
    });
    await new Promise((r) => setTimeout(r, 250));
  }
  return [...seen.values()].sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
}
