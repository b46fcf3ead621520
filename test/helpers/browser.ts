// A handout opened in headless Chromium, with every request that would leave the machine recorded.
import * as fs from 'fs';
import type { ExecutionContext } from 'ava';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { chromiumFlags, findChromium } from '../../lib/handouts/chromium';
import type { LiveResult } from '../../lib/live/explorer';
import { tempDir } from './cli';

export interface OpenHandout { browser: Browser; page: Page; remote: string[]; errors: string[] }

/** `prepare` runs before the page loads (to take something away from the browser, say). */
export async function openHandout(html: string, height = 900, prepare?: (page: Page) => Promise<unknown>): Promise<OpenHandout> {
  if (!fs.existsSync(html)) throw new Error(`no handout at ${html}: the test that exports it failed`);
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium: install it (Debian: apt-get install chromium) or set AT_ODDS_CHROMIUM');
  const browser = await puppeteer.launch({ executablePath: chromium, args: chromiumFlags(tempDir('chromium')), headless: true });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height });
  const remote: string[] = [];
  const errors: string[] = [];
  page.on('request', (req) => {
    if (!/^(file|data|about|blob):/.test(req.url())) remote.push(req.url());
  });
  page.on('pageerror', (e) => errors.push((e as Error).message));
  await prepare?.(page);
  await page.goto(`file://${html}`, { waitUntil: 'load' });
  return { browser, page, remote, errors };
}

/** What the page's live explorer shows: the eps, every adversarial image, every prediction, and the column labels. */
export interface ExplorerState { eps: string | null; images: string[]; predictions: string[]; labels: string[] }

export function explorerState(page: Page): Promise<ExplorerState> {
  return page.$eval('.at-odds-explorer .ao-live', (root) => ({
    eps: root.querySelector('.at-odds-eps')!.textContent,
    images: Array.from(root.querySelectorAll('img.at-odds-adv'), (i) => i.getAttribute('src') ?? ''),
    // Each prediction is marked right or wrong (✓/✗) for readers who cannot tell the colours apart: the class comes after.
    predictions: Array.from(root.querySelectorAll('.at-odds-pred'), (d) => (d.textContent ?? '').replace(/^[✓✗]\s*/, '')),
    labels: Array.from(root.querySelectorAll('.ao-grid th'), (th) => th.textContent ?? '').filter((l) => l.startsWith('label ')).map((l) => l.slice(6)),
  }));
}

/** How many attacks the explorer has finished. */
function attacksDone(page: Page): Promise<number> {
  return page.$eval('.at-odds-explorer', (r) => +((r as HTMLElement).dataset.done ?? 0));
}

/** Waits until the explorer has finished more than `after` attacks (its first, by default). */
export async function explorerReady(page: Page, after = 0, timeout = 120_000): Promise<LiveResult> {
  await page.waitForFunction((n) => {
    const r = document.querySelector<HTMLElement>('.at-odds-explorer')!;
    if (r.dataset.state === 'failed') throw new Error(r.querySelector('.ao-status')?.textContent ?? 'failed');
    return r.dataset.state === 'ready' && +(r.dataset.done ?? 0) > n;
  }, { timeout, polling: 50 }, after);
  return page.$eval('.at-odds-explorer', (r) => (r as unknown as { atOddsExplorer: { last(): LiveResult } }).atOddsExplorer.last());
}

/** Does something to the explorer as a student would, and waits for the attack it starts. */
export async function explorerAfter(page: Page, action: () => Promise<unknown>): Promise<LiveResult> {
  const before = await attacksDone(page);
  await action();
  return explorerReady(page, before);
}

/** Moves the explorer's slider as a student's keyboard would ('Home', 'End', 'ArrowRight'), and waits for the attack. */
export function pressOnSlider(page: Page, key: 'Home' | 'End' | 'ArrowLeft' | 'ArrowRight'): Promise<LiveResult> {
  return explorerAfter(page, async () => {
    const slider = (await page.$('.at-odds-explorer .ao-live input[type=range]'))!;
    await slider.scrollIntoView();
    await slider.focus();
    await page.keyboard.press(key);
  });
}

/** Sets the slider to eps, as a drag that ends there would. */
export function setExplorerEps(page: Page, eps: number): Promise<LiveResult> {
  return explorerAfter(page, () => page.$eval('.at-odds-explorer .ao-live input[type=range]', (s, e) => {
    (s as HTMLInputElement).value = String(e);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, eps));
}

/**
 * The live explorer starts at eps `from`, then its slider goes to 0 (Home): both the images and the
 * predictions change. Returns what the page showed before and after.
 */
export async function slideExplorerToZero(t: ExecutionContext, page: Page, from: string): Promise<{ before: ExplorerState; after: ExplorerState }> {
  await explorerReady(page);
  const before = await explorerState(page);
  t.is(before.eps, from);
  t.true(before.images.length > 0 && before.images.every((s) => s.startsWith('data:image/png;base64,')), 'every adversarial image is drawn');
  const result = await pressOnSlider(page, 'Home');
  t.is(result.eps, 0);
  const after = await explorerState(page);
  t.is(after.eps, '0');
  t.notDeepEqual(after.images, before.images, 'the images change');
  t.notDeepEqual(after.predictions, before.predictions, 'the predictions change');
  return { before, after };
}
