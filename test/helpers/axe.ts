// axe-core (the engine JupyterLab's own accessibility tests use) run inside a handout in headless
// Chromium, over the WCAG 2.0 and 2.1 A and AA rules. Nothing is fetched: the script comes from npm.
// Run as a script, it prints a table of violations per handout: `npx tsx test/helpers/axe.ts A.html B.html`.
import * as fs from 'fs';
import * as path from 'path';
import puppeteer from 'puppeteer-core';
import { chromiumFlags, findChromium } from '../../lib/handouts/chromium';
import { tempDir } from './cli';

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** One rule broken on a page: its id, how many elements break it, and the first few of them. */
export interface AxeViolation { id: string; nodes: number; help: string; targets: string[] }

/** The violations of the WCAG 2.0/2.1 A and AA rules on the page at `html`, after its scripts have run. */
export async function axeViolations(html: string): Promise<AxeViolation[]> {
  if (!fs.existsSync(html)) throw new Error(`no handout at ${html}`);
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium: install it (Debian: apt-get install chromium) or set AT_ODDS_CHROMIUM');
  const browser = await puppeteer.launch({ executablePath: chromium, args: chromiumFlags(tempDir('axe')), headless: true });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 900 });
    await page.goto(`file://${path.resolve(html)}`, { waitUntil: 'load' });
    // Plots and the live parts draw after load: check what a reader sees once they have.
    // Live parts (explorers, theory figures) are checked once they have drawn their live view.
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLElement>('.at-odds-explorer, .at-odds-theory'))
      .every((e) => e.dataset.state === 'ready' || e.dataset.state === 'failed'), { timeout: 180_000, polling: 200 }).catch(() => undefined);
    await page.waitForNetworkIdle({ idleTime: 500, timeout: 30_000 }).catch(() => undefined);
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const results = await page.evaluate(async (tags) => {
      const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
      const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    }, WCAG_TAGS);
    return results;
  } finally {
    await browser.close();
  }
}

/** "rule nodes, rule nodes" or "none". */
export function describeViolations(vs: AxeViolation[]): string {
  return vs.length ? vs.map((v) => `\`${v.id}\` ${v.nodes}`).join(', ') : 'none';
}

if (require.main === module) {
  (async () => {
    console.log('| handout | violations (nodes) |\n| --- | --- |');
    for (const f of process.argv.slice(2)) {
      const vs = await axeViolations(f);
      console.log(`| ${path.basename(f, '.html')} | ${describeViolations(vs)} |`);
      if (process.env.AXE_DETAIL) for (const v of vs) console.error(`${path.basename(f)} ${v.id}: ${v.help}\n  ${v.targets.join('\n  ')}`);
    }
  })().catch((e) => { console.error(e); process.exit(1); });
}
