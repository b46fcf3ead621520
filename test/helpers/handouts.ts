// What a reader of a handout sees first, and whether its printed pages are worth turning.
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import type { ExecutionContext } from 'ava';
import { describePages, pdfPages, underfilledPages } from '../../lib/handouts/pdf-pages';
import { openHandout } from './browser';

/**
 * The handout at `html` opens with its chapter: the first text on the page is the title (`title`),
 * the set-up cells (imports, the backend's start) are folded behind one closed line each, which a click
 * opens on the code; on paper the line is all that prints, even when open.
 */
export async function opensWithItsChapter(t: ExecutionContext, html: string, title: RegExp): Promise<void> {
  const { browser, page } = await openHandout(html);
  try {
    const folds = await page.$$eval('details.at-odds-setup', (ds) => ds.map((d) => ({
      open: (d as HTMLDetailsElement).open,
      summary: d.querySelector('summary')?.textContent ?? '',
      code: d.querySelector('.jp-CodeCell .jp-InputArea-editor')?.textContent ?? '',
    })));
    t.true(folds.length >= 1, 'a folded set-up cell');
    for (const f of folds) {
      t.false(f.open, 'folded until a reader opens it');
      t.regex(f.summary, /^Set-up: .+ \(click to show the code\)$/);
      t.regex(f.code, /import [^;]* from '\.\/lib\//, 'the imports are inside the fold');
    }
    // What the page shows, in order (innerText leaves out what a closed fold hides).
    const text = await page.evaluate(() => document.body.innerText);
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    t.regex(lines[0], title, 'the first text is the chapter\'s title');
    t.false(/^import /m.test(text), 'no import line shows');
    t.true(lines.findIndex((l) => l.startsWith('Set-up: ')) > 1, 'the set-up line comes after the chapter\'s first paragraph');

    // A click opens the first fold on its code; the code then shows.
    await page.click('details.at-odds-setup > summary');
    const opened = await page.$eval('details.at-odds-setup', (d) => ({
      open: (d as HTMLDetailsElement).open,
      height: (d.querySelector('.jp-InputArea-editor') as HTMLElement).getBoundingClientRect().height,
    }));
    t.true(opened.open);
    t.true(opened.height > 50, `the code shows (${opened.height} px)`);
    t.regex(await page.evaluate(() => document.body.innerText), /^import /m, 'the imports show once opened');
    // Printed, an open fold is still its one line.
    await page.emulateMediaType('print');
    const printed = await page.$eval('details.at-odds-setup', (d) => ({
      code: (d.querySelector('.jp-Cell') as HTMLElement).getBoundingClientRect().height,
      summary: d.querySelector('summary')!.innerText.trim(),
    }));
    t.is(printed.code, 0, 'no code on paper');
    t.regex(printed.summary, /^Set-up: [^\n]+$/);
    t.false(printed.summary.includes('click'), 'no click on paper');
  } finally {
    await browser.close();
  }
}

/** The text of one page of a PDF (pdftotext, from poppler-utils). */
export function pageText(pdf: string, page: number): string {
  const r = spawnSync('pdftotext', ['-layout', '-f', String(page), '-l', String(page), pdf, '-'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pdftotext could not read ${pdf}: ${r.stderr}`);
  return r.stdout;
}

/**
 * The printed handout at `pdf`: no page but the last is less than a quarter full (by its ink, figures
 * included), and its first page opens with the chapter (`title`), not with imports. Returns the pages' fill.
 */
export function pagesAreFull(t: ExecutionContext, pdf: string, title: RegExp): string {
  t.true(fs.existsSync(pdf), `a PDF at ${pdf}`);
  const pages = pdfPages(pdf);
  const summary = `${pages.length} pages, filled ${describePages(pages)}`;
  t.log(`${pdf}: ${summary}`);
  t.deepEqual(underfilledPages(pages).map((p) => p.page), [], `pages under a quarter full: ${summary}`);
  const first = pageText(pdf, 1);
  t.regex(first, title);
  t.notRegex(first, /^\s*import /m, 'no imports on the first page');
  t.regex(first, /Set-up: /, 'the set-up cell prints as its line');
  return summary;
}
