// Printed handouts: how full a page is, measured by its ink (lib/handouts/pdf-pages.ts). The chapters'
// own handouts are checked where their tests already run them: 01-theory and 04-imagenet in
// notebooks.test.ts, 02-mnist and 03-cifar10 in their own files.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { createCanvas } from 'canvas';
import { findChromium, printToPdf } from '../lib/handouts/chromium';
import { describePages, inkRows, measurePages, pdfPages, readPgm, underfilledPages } from '../lib/handouts/pdf-pages';
import { tempDir } from './helpers/cli';

test('a PGM image is read, and its rows with ink found', (t) => {
  const pixels = Buffer.from([255, 255, 255, 255, 200, 255, 255, 255, 255, 249, 255, 255]);
  const image = readPgm(Buffer.concat([Buffer.from('P5\n# a comment\n3 4\n255\n'), pixels]));
  t.is(image.width, 3);
  t.is(image.height, 4);
  t.deepEqual(inkRows(image), [false, true, false, true]);
  t.throws(() => readPgm(Buffer.from('P6\n1 1\n255\n\0\0\0')), { message: /not an 8-bit binary PGM/ });
  t.throws(() => readPgm(Buffer.from('P5\n2 2\n255\n\0')), { message: /holds only 1 pixels/ });
});

test('a page is as full as its lowest ink, within the margins the pages share', (t) => {
  const page = (top: number, bottom: number) => Array.from({ length: 100 }, (_, y) => y >= top && y <= bottom);
  const pages = measurePages([page(10, 89), page(12, 14), page(10, 29), page(20, 30)]);
  t.deepEqual(pages.map((p) => p.filled), [1, 0.0625, 0.25, 0.2625]);
  t.deepEqual(underfilledPages(pages).map((p) => p.page), [2], 'the last page may be short');
  t.is(describePages(pages), '1: 1.00, 2: 0.06, 3: 0.25, 4: 0.26');
  t.is(measurePages([Array(50).fill(false)])[0].filled, 0, 'a blank page is empty');
});

test('a printed page holding a picture is full; one holding two lines is not', async (t) => {
  const chromium = findChromium();
  if (!chromium) {
    t.fail('no Chromium: install it (Debian: apt-get install chromium) or set AT_ODDS_CHROMIUM');
    return;
  }
  const dir = tempDir('pages');
  // A pale picture, as a figure is: an image with no text in it, seven inches tall.
  const canvas = createCanvas(200, 280);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#e4ecf4';
  ctx.fillRect(0, 0, 200, 280);
  const picture = `data:image/png;base64,${canvas.toBuffer('image/png').toString('base64')}`;
  fs.writeFileSync(path.join(dir, 'pages.html'), `<!DOCTYPE html><html><head><style>
    @page { margin: 0.5in; } body { margin: 0; font: 14px sans-serif; } .page { break-after: page; }
    </style></head><body>
    <div class="page"><p>A page with a figure:</p><img src="${picture}" style="width: 5in; height: 7in; display: block"></div>
    <div class="page"><p>A page with</p><p>two lines.</p></div>
    <div><p>The last page, which may be short.</p></div>
    </body></html>`);
  await printToPdf(chromium, path.join(dir, 'pages.html'), path.join(dir, 'pages.pdf'));
  const pages = pdfPages(path.join(dir, 'pages.pdf'));
  t.log(describePages(pages));
  t.is(pages.length, 3);
  t.true(pages[0].filled > 0.65 && pages[0].filled < 0.85, `the figure's page: ${pages[0].filled}`);
  t.true(pages[1].filled < 0.1, `two lines: ${pages[1].filled}`);
  t.deepEqual(underfilledPages(pages).map((p) => p.page), [2]);
  t.throws(() => pdfPages(path.join(dir, 'none.pdf')), { message: /no PDF at .*none\.pdf/ });
});
