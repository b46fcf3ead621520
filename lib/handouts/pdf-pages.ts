// How full each page of a printed handout is: rendered with poppler's pdftoppm, measured by its ink.
//
// Text alone undercounts a page that holds a figure (a figure is an image, with no text), so each page
// is rendered in grey at a low resolution and read row by row: a row has ink when any pixel in it is
// not white. A page's `filled` fraction is how far down its content area the lowest inked row lies,
// where the content area is the page less its margins. The margin is measured, not assumed: it is the
// first inked row of the page whose content starts highest (Chromium prints equal top and bottom margins).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

export interface PdfPage {
  /** 1-based. */
  page: number;
  /** Height of the rendering in pixels. */
  height: number;
  /** The first and the last row with ink, or -1 on a blank page. */
  top: number;
  bottom: number;
  /** How far down the content area (the page less its margins) the content reaches, 0 to 1. */
  filled: number;
  /** The fraction of the content area's rows that have any ink, 0 to 1. */
  inked: number;
}

/** A pixel darker than this (of 255) is ink: a code cell's light grey background counts, white does not. */
const WHITE = 250;

/** Reads a binary PGM (P5) image, as pdftoppm -gray writes it. */
export function readPgm(bytes: Buffer): { width: number; height: number; pixels: Uint8Array } {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (i < bytes.length && /\s/.test(String.fromCharCode(bytes[i]))) i++;
    if (bytes[i] === 0x23) { // a comment, to the end of the line
      while (i < bytes.length && bytes[i] !== 0x0a) i++;
      continue;
    }
    const start = i;
    while (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]))) i++;
    if (i === start) throw new Error('not a PGM image: its header ends early');
    fields.push(bytes.toString('latin1', start, i));
  }
  const [magic, w, h, max] = fields;
  if (magic !== 'P5' || +max > 255) throw new Error(`not an 8-bit binary PGM image (${magic}, maximum ${max})`);
  const width = +w, height = +h;
  const pixels = bytes.subarray(i + 1, i + 1 + width * height);
  if (pixels.length !== width * height) throw new Error(`a PGM image of ${width} x ${height} holds only ${pixels.length} pixels`);
  return { width, height, pixels };
}

/** For each row of an image, whether it has ink. */
export function inkRows(image: { width: number; height: number; pixels: Uint8Array }): boolean[] {
  const rows: boolean[] = [];
  for (let y = 0; y < image.height; y++) {
    let ink = false;
    for (let x = y * image.width, end = x + image.width; x < end; x++) if (image.pixels[x] < WHITE) { ink = true; break; }
    rows.push(ink);
  }
  return rows;
}

/** Measures the pages of images already rendered (each a list of rows: ink or not). */
export function measurePages(pages: boolean[][]): PdfPage[] {
  const extents = pages.map((rows) => ({ top: rows.indexOf(true), bottom: rows.lastIndexOf(true), height: rows.length }));
  const tops = extents.filter((e) => e.top >= 0).map((e) => e.top);
  const margin = tops.length ? Math.min(...tops) : 0;
  return pages.map((rows, i) => {
    const { top, bottom, height } = extents[i];
    const area = Math.max(1, height - 2 * margin);
    const inkedRows = rows.filter(Boolean).length;
    return {
      page: i + 1, height, top, bottom,
      filled: bottom < 0 ? 0 : Math.min(1, (bottom + 1 - margin) / area),
      inked: Math.min(1, inkedRows / area),
    };
  });
}

/** Every page of a PDF, measured (pdftoppm, from poppler-utils, must be on PATH). */
export function pdfPages(pdf: string, dpi = 30): PdfPage[] {
  if (!fs.existsSync(pdf)) throw new Error(`no PDF at ${pdf}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-odds-pages-'));
  try {
    const r = spawnSync('pdftoppm', ['-r', String(dpi), '-gray', pdf, path.join(dir, 'p')], { encoding: 'utf8' });
    if (r.error) throw new Error(`pdftoppm could not run (${r.error.message}): install poppler-utils`);
    if (r.status !== 0) throw new Error(`pdftoppm could not render ${pdf}: ${r.stderr.trim()}`);
    // p-1.pgm ... or p-01.pgm ...: the page number, padded to the width of the last one.
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.pgm'))
      .sort((a, b) => +a.replace(/\D/g, '') - +b.replace(/\D/g, ''));
    return measurePages(files.map((f) => inkRows(readPgm(fs.readFileSync(path.join(dir, f))))));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The pages, but the last, that are less than `min` full: a handout should have none. */
export function underfilledPages(pages: PdfPage[], min = 0.25): PdfPage[] {
  return pages.slice(0, -1).filter((p) => p.filled < min);
}

/** One line per page, for a message or a log: "1: 0.97, 2: 0.12, ...". */
export function describePages(pages: PdfPage[]): string {
  return pages.map((p) => `${p.page}: ${p.filled.toFixed(2)}`).join(', ');
}
