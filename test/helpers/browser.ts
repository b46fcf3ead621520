// A handout opened in headless Chromium, with every request that would leave the machine recorded.
import * as fs from 'fs';
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
