// `npm run bench -- --live`: the explorer's attack in headless Chromium, as a student's browser runs it
// (TensorFlow.js wasm in the page), beside the same attack in Node on our backend. PGD-20 on 8 test
// images against the chapter's two explorer models, from the slider's move to the page's answer.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../attacks/pgd';
import { initBackend } from '../backend/init';
import { batchTensors } from '../data/dataset';
import { datasetSpec, loadDataset } from '../data/datasets';
import { chromiumFlags, findChromium } from '../handouts/chromium';
import type { LiveResult } from '../live/explorer';
import { topClass } from '../models/classifier';
import { explorerHtml } from '../plots/explorer';
import { loadShipped } from '../zoo/zoo';

const CASES = { mnist: { eps: [0.25, 0.3, 0.35], start: 0.2 }, cifar10: { eps: [6 / 255, 8 / 255, 10 / 255], start: 4 / 255 } } as const;
const STEPS = 20;
const IMAGES = 8;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function benchLive(datasets: ('mnist' | 'cifar10')[], repeats: number): Promise<void> {
  const chromium = findChromium();
  if (!chromium) throw new Error('bench --live needs Chromium: install it (Debian: apt-get install chromium) or set AT_ODDS_CHROMIUM');
  const backend = await initBackend({ quiet: true });
  const puppeteer = (await import('puppeteer-core')).default;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-odds-bench-live-'));
  const browser = await puppeteer.launch({ executablePath: chromium, args: chromiumFlags(path.join(dir, 'profile')), headless: true });
  try {
    for (const dataset of datasets) {
      const names = datasetSpec(dataset).chapter.explorer;
      const models = Object.fromEntries(await Promise.all(Object.entries(names).map(async ([label, name]) => [label, (await loadShipped(dataset, name)).model] as const)));
      const test = await loadDataset(dataset, 'sample');
      const { x, y } = batchTensors(test, Array.from({ length: IMAGES }, (_, i) => i));
      const { eps, start } = CASES[dataset];
      const html = await explorerHtml(models, x, y, { eps: start, steps: STEPS, classNames: test.classNames });
      const file = path.join(dir, `${dataset}.html`);
      fs.writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`);
      const page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 900 });
      const t0 = Date.now();
      await page.goto(`file://${file}`);
      const ready = (after: number) => page.waitForFunction((n) => {
        const r = document.querySelector<HTMLElement>('.at-odds-explorer')!;
        if (r.dataset.state === 'failed') throw new Error(r.querySelector('.ao-status')?.textContent ?? 'failed');
        return r.dataset.state === 'ready' && +(r.dataset.done ?? 0) > n;
      }, { timeout: 300_000, polling: 20 }, after).then(() => page.$eval('.at-odds-explorer', (r) => (r as unknown as { atOddsExplorer: { last(): LiveResult } }).atOddsExplorer.last()));
      const first = await ready(0);
      const startup = Date.now() - t0;
      const inPage: number[] = [];
      const gaps: number[] = [];
      for (let k = 0; k < repeats * eps.length; k++) {
        const done = await page.$eval('.at-odds-explorer', (r) => +(r as HTMLElement).dataset.done!);
        // The longest wait between two frames while the attack runs: how responsive the page stays.
        // (A string: tsx would name the inner function with a helper the page does not have.)
        await page.evaluate(`(function () {
          window.gap = 0; window.last = performance.now(); window.watching = true;
          requestAnimationFrame(function tick(t) { window.gap = Math.max(window.gap, t - window.last); window.last = t; if (window.watching) requestAnimationFrame(tick); });
        })()`);
        await page.$eval('.at-odds-explorer .ao-live input[type=range]', (s, e) => {
          (s as HTMLInputElement).value = String(e);
          s.dispatchEvent(new Event('input', { bubbles: true }));
        }, eps[k % eps.length]);
        const r = await ready(done);
        inPage.push(r.ms);
        gaps.push(await page.evaluate('window.watching = false, window.gap') as number);
      }
      await page.close();
      // The same work in Node: PGD-20 against each model, then its predictions.
      const node: number[] = [];
      for (let k = 0; k < repeats * eps.length; k++) {
        const e = eps[k % eps.length];
        const t1 = performance.now();
        for (const m of Object.values(models)) {
          const adv = pgd(m, x, y, { threat: 'linf', eps: e, steps: STEPS, randomStart: false });
          topClass(m, adv);
          adv.dispose();
        }
        node.push(performance.now() - t1);
      }
      tf.dispose([x, y]);
      Object.values(models).forEach((m) => m.dispose());
      console.log(JSON.stringify({
        dataset, models: Object.values(names), images: IMAGES, pgd_steps: STEPS, page_backend: first.backend, node_backend: backend.name,
        handout_part_mb: +(html.length / 1e6).toFixed(2), page_start_ms: startup,
        page_attack_ms_median: +median(inPage).toFixed(0), page_attack_ms_best: +Math.min(...inPage).toFixed(0),
        page_longest_frame_gap_ms: +median(gaps).toFixed(0),
        node_attack_ms_median: +median(node).toFixed(0), page_vs_node: +(median(node) / median(inPage)).toFixed(2),
      }));
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
