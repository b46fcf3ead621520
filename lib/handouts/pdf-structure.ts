// What a screen reader finds in a printed handout, and what PDF/UA-1 (ISO 14289-1) asks of it. veraPDF
// cannot be installed offline; this reads what the checks need from the PDF that Chromium (Skia) writes,
// whose structure objects are plain (not in compressed object streams): the catalog (/MarkInfo, /Lang,
// /ViewerPreferences /DisplayDocTitle, /Outlines), the outline's titles, and the structure tree's
// headings (in order, from poppler's `pdfinfo -struct`) and figures with their /Alt.
import * as fs from 'fs';
import { spawnSync } from 'child_process';

export interface PdfStructure {
  /** The document's title (Info /Title) and whether viewers show it instead of the file name. */
  title: string;
  displayDocTitle: boolean;
  /** /MarkInfo /Marked true and a /StructTreeRoot. */
  tagged: boolean;
  /** The catalog's /Lang (or the Document element's). */
  lang: string;
  /** Every outline entry's title, depth first. */
  outline: string[];
  /** Heading levels in reading order (1 for H1 ...). */
  headings: number[];
  /** Every Figure element's /Alt ('' where it has none). */
  figures: string[];
}

/** A PDF string as text: (literal) with its escapes, or <hex>, either UTF-16BE with its BOM or PDFDocEncoding (Latin-1 here). */
export function pdfString(raw: string): string {
  let bytes: number[];
  if (raw.startsWith('<')) {
    const hex = raw.slice(1, -1).replace(/\s+/g, '');
    bytes = hex.match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
  } else {
    bytes = [];
    const body = raw.slice(1, -1);
    for (let i = 0; i < body.length; i++) {
      const ch = body[i];
      if (ch !== '\\') { bytes.push(body.charCodeAt(i) & 0xff); continue; }
      const next = body[++i];
      const simple: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };
      if (next in simple) bytes.push(simple[next]);
      else if (/[0-7]/.test(next)) {
        let oct = next;
        while (oct.length < 3 && /[0-7]/.test(body[i + 1])) oct += body[++i];
        bytes.push(parseInt(oct, 8) & 0xff);
      } else if (next === '\r' || next === '\n') { if (next === '\r' && body[i + 1] === '\n') i++; } else bytes.push(next.charCodeAt(0) & 0xff);
    }
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    let s = '';
    for (let i = 2; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
    return s;
  }
  return String.fromCharCode(...bytes);
}

/** A PDF string token (literal, with balanced parentheses, or hex) starting at `at` in `s`. */
function stringAt(s: string, at: number): string {
  if (s[at] === '<') return s.slice(at, s.indexOf('>', at) + 1);
  let depth = 0;
  for (let i = at; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return s.slice(at, i + 1);
  }
  throw new Error('an unterminated string in the PDF');
}

function stringValue(obj: string, key: string): string | null {
  const m = new RegExp(`/${key}\\s*([(<])`).exec(obj);
  return m ? pdfString(stringAt(obj, m.index + m[0].length - 1)) : null;
}

function run(args: string[], pdf: string): string {
  const r = spawnSync('pdfinfo', [...args, pdf], { encoding: 'latin1', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) throw new Error(`pdfinfo (poppler-utils) could not read ${pdf}: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** The structure of the PDF at `pdf` that PDF/UA's checks look at. */
export function readPdfStructure(pdf: string): PdfStructure {
  if (!fs.existsSync(pdf)) throw new Error(`no PDF at ${pdf}`);
  // Latin-1 keeps every byte as one character, so that offsets and binary streams stay as they are.
  const text = fs.readFileSync(pdf).toString('latin1');
  if (/\/Type\s*\/ObjStm/.test(text)) throw new Error(`${pdf} keeps objects in compressed object streams, which this reader does not open`);
  const objects = new Map<number, string>();
  for (const m of text.matchAll(/(\d+) 0 obj\b([\s\S]*?)endobj/g)) objects.set(+m[1], m[2].replace(/stream\r?\n[\s\S]*?endstream/g, ''));
  const catalog = [...objects.values()].find((o) => /\/Type\s*\/Catalog/.test(o)) ?? '';
  const documentElement = [...objects.values()].find((o) => /\/S\s*\/Document\b/.test(o)) ?? '';
  // The outline: from /Outlines' /First along each /Next, into each /First (depth first).
  const outline: string[] = [];
  const ref = (o: string, key: string) => { const m = new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(o); return m ? +m[1] : null; };
  const walk = (id: number | null, depth: number) => {
    for (let seen = 0; id !== null && seen < 100_000; seen++) {
      const o = objects.get(id);
      if (!o) return;
      outline.push(stringValue(o, 'Title') ?? '');
      if (depth < 16) walk(ref(o, 'First'), depth + 1);
      id = ref(o, 'Next');
    }
  };
  const root = ref(catalog, 'Outlines');
  if (root !== null) walk(ref(objects.get(root) ?? '', 'First'), 0);
  const info = run([], pdf);
  const struct = run(['-struct'], pdf);
  return {
    title: /^Title:\s*(.*)$/m.exec(info)?.[1].trim() ?? '',
    displayDocTitle: /\/DisplayDocTitle\s+true/.test(catalog),
    tagged: /\/Marked\s+true/.test(catalog) && /\/StructTreeRoot\s+\d+ 0 R/.test(catalog),
    lang: stringValue(catalog, 'Lang') ?? stringValue(documentElement, 'Lang') ?? '',
    outline,
    headings: [...struct.matchAll(/^\s*H([1-6])\b/gm)].map((m) => +m[1]),
    figures: [...objects.values()].filter((o) => /\/S\s*\/Figure\b/.test(o)).map((o) => stringValue(o, 'Alt') ?? ''),
  };
}

/** What the handout's PDF lacks of PDF/UA-1's requirements that this reader can see; [] if nothing. */
export function pdfUaProblems(s: PdfStructure): string[] {
  const problems: string[] = [];
  if (!s.tagged) problems.push('not tagged (no /MarkInfo /Marked true with a structure tree) (PDF/UA 7.1)');
  if (!s.title) problems.push('no document title (PDF/UA 7.1)');
  if (!s.displayDocTitle) problems.push('viewers show the file name, not the title (/DisplayDocTitle) (PDF/UA 7.1)');
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(s.lang)) problems.push(`no natural language set (/Lang '${s.lang}') (PDF/UA 7.2)`);
  const blank = s.figures.filter((a) => !a.trim() || /no description has been provided/i.test(a)).length;
  if (blank) problems.push(`${blank} of ${s.figures.length} figures without alternative text (PDF/UA 7.3)`);
  if (!s.headings.length) problems.push('no headings (PDF/UA 7.4)');
  s.headings.forEach((h, i) => {
    const before = i === 0 ? 0 : s.headings[i - 1];
    if (h > before + 1) problems.push(`heading ${i + 1} is H${h} after ${before ? `H${before}` : 'the start'}: a level skipped (PDF/UA 7.4.2)`);
  });
  if (s.headings.length && s.outline.length < s.headings.filter((h) => h <= 2).length) {
    problems.push(`the outline has ${s.outline.length} entries for ${s.headings.filter((h) => h <= 2).length} H1 and H2 headings (bookmarks)`);
  }
  return problems;
}
