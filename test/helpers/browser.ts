// A handout opened in headless Chromium, with every request that would leave the machine recorded.
import * as fs from 'fs';
import type { ExecutionContext } from 'ava';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { chromiumFlags, findChromium } from '../../lib/handouts/chromium';
import { tempDir } from './cli';

export interface OpenHandout { browser: Browser; page: Page; remote: string[] }

export async function openHandout(html: string, height = 900): Promise<OpenHandout> {
  if (!fs.existsSync(html)) throw new Error(`no handout at ${html}: the test that exports it failed`);
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium: install it (Debian: apt-get install chromium) or set AT_ODDS_CHROMIUM');
  const browser = await puppeteer.launch({ executablePath: chromium, args: chromiumFlags(tempDir('chromium')), headless: true });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height });
  const remote: string[] = [];
  page.on('request', (req) => {
    if (!/^(file|data|about|blob):/.test(req.url())) remote.push(req.url());
  });
  await page.goto(`file://${html}`, { waitUntil: 'load' });
  return { browser, page, remote };
}

/** What the page's epsilon explorer shows: the eps, every image's frame, every prediction, and the column labels. */
export interface ExplorerState { eps: string | null; images: string[]; predictions: string[]; labels: string[] }

export function explorerState(page: Page): Promise<ExplorerState> {
  return page.$eval('.at-odds-explorer', (root) => ({
    eps: root.querySelector('.at-odds-eps')!.textContent,
    images: Array.from(root.querySelectorAll('img'), (i) => i.getAttribute('src') ?? ''),
    predictions: Array.from(root.querySelectorAll('.at-odds-pred'), (d) => d.textContent ?? ''),
    labels: Array.from(root.querySelectorAll('th'), (th) => th.textContent ?? '').filter((l) => l.startsWith('label ')).map((l) => l.slice(6)),
  }));
}

/** Moves the explorer's slider as a student's keyboard would ('Home', 'End', 'ArrowRight'). */
export async function pressOnSlider(page: Page, key: 'Home' | 'End' | 'ArrowLeft' | 'ArrowRight'): Promise<void> {
  const slider = (await page.$('.at-odds-explorer input[type=range]'))!;
  await slider.scrollIntoView();
  await slider.focus();
  await page.keyboard.press(key);
}

/**
 * The explorer's slider, moved from its initial eps `from` to 0: every image has a frame before, and
 * both the images and the predictions change. Returns what the page showed before and after.
 */
export async function slideExplorerToZero(t: ExecutionContext, page: Page, from: string): Promise<{ before: ExplorerState; after: ExplorerState }> {
  const before = await explorerState(page);
  t.is(before.eps, from);
  t.true(before.images.every((s) => s.startsWith('data:image/png;base64,')), 'every explorer image has a frame');
  await pressOnSlider(page, 'Home');
  const after = await explorerState(page);
  t.is(after.eps, '0');
  t.notDeepEqual(after.images, before.images, 'the images change');
  t.notDeepEqual(after.predictions, before.predictions, 'the predictions change');
  return { before, after };
}
