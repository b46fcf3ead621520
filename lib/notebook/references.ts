// A chapter's References section: the works its markdown cites as [Author Year](#ref-KEY), each from
// references.bib, under an anchor that those links reach, in the notebook, the HTML handout and the PDF.
// `npm run references` writes the section into each notebook (lib/cli/references.ts);
// test/references.test.ts checks that it is there, current, and that every cited key exists.
import { BibEntry, bibText } from './bibtex';

/** The heading every chapter's last cell starts with. */
export const REFERENCES_HEADING = '## References';
/** The id of that cell in each notebook. */
export const REFERENCES_CELL_ID = 'references';

/** The keys a markdown text cites, in order of first citation: links to #ref-KEY. */
export function citedKeys(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(/\]\(#ref-([A-Za-z0-9_:.-]+)\)/g)].map((m) => m[1]))];
}

/** 'A, B and C' from BibTeX's 'A and B and C'. */
function authors(field: string): string {
  const names = field.split(/\s+and\s+/).map(bibText);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];
}

/** The surname an entry is sorted by: the last word of its first author. */
function surname(e: BibEntry): string {
  const first = bibText((e.fields.author ?? e.key).split(/\s+and\s+/)[0]).trim();
  return first.split(/\s+/).pop()!.toLowerCase();
}

/** Text ended by a full stop, unless it ends with one already (or with ? or !: "Transfer Better?"). */
const sentence = (text: string) => (/[.?!]$/.test(text) ? text : `${text}.`);

/** One entry as a markdown list item, its anchor first. */
export function formatEntry(e: BibEntry): string {
  const f = e.fields;
  if (!f.title || !f.year) throw new Error(`references.bib entry ${e.key} needs a title and a year`);
  const venue = f.booktitle ?? f.journal ?? f.howpublished ?? f.institution;
  const volume = f.volume ? ` ${f.volume}${f.number ? `(${f.number})` : ''}${f.pages ? `:${bibText(f.pages)}` : ''}` : '';
  const parts = [
    `${f.author ? `${authors(f.author)} ` : ''}(${f.year}).`,
    sentence(bibText(f.title)),
    ...(venue ? [`*${bibText(venue)}*${volume}.`] : []),
    ...(f.eprint ? [`arXiv:${f.eprint}.`] : []),
    ...(f.note ? [sentence(bibText(f.note))] : []),
    ...(f.url ? [`<${f.url}>`] : []),
  ];
  return `* <a id="ref-${e.key}"></a>${parts.join(' ')}`;
}

/**
 * The References section of a chapter whose markdown (every markdown cell but the section itself) is
 * `markdown`: each cited entry, sorted by first author and year. A cited key that is not in `entries`
 * is an error that names it.
 */
export function referencesMarkdown(markdown: string, entries: BibEntry[]): string {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const keys = citedKeys(markdown);
  const missing = keys.filter((k) => !byKey.has(k));
  if (missing.length) throw new Error(`cited but not in references.bib: ${missing.join(', ')}`);
  const cited = keys.map((k) => byKey.get(k)!).sort((a, b) => surname(a).localeCompare(surname(b)) || a.fields.year.localeCompare(b.fields.year) || a.key.localeCompare(b.key));
  const intro = 'The works this chapter cites, from the repository\'s `references.bib` (in BibTeX, for your own citations).';
  return [REFERENCES_HEADING, '', intro, '', ...cited.map(formatEntry)].join('\n');
}

interface Cell { cell_type: string; id?: string; source: string | string[]; metadata?: Record<string, unknown>; [k: string]: unknown }

const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const isReferences = (c: Cell) => c.cell_type === 'markdown' && (c.id === REFERENCES_CELL_ID || sourceOf(c).startsWith(REFERENCES_HEADING));

/** The markdown a notebook's References section is made from: every markdown cell but that section. */
export function chapterMarkdown(cells: Cell[]): string {
  return cells.filter((c) => c.cell_type === 'markdown' && !isReferences(c)).map(sourceOf).join('\n\n');
}

/** The notebook's cells with its References section, current, as the last cell (any older one removed). */
export function withReferences(cells: Cell[], entries: BibEntry[]): Cell[] {
  const rest = cells.filter((c) => !isReferences(c));
  const text = referencesMarkdown(chapterMarkdown(rest), entries);
  return [...rest, { cell_type: 'markdown', id: REFERENCES_CELL_ID, metadata: {}, source: text.split(/(?<=\n)/) }];
}

/** The References cell of a notebook's cells, or null. */
export function referencesCell(cells: Cell[]): string | null {
  const found = cells.filter(isReferences);
  return found.length ? sourceOf(found[found.length - 1]) : null;
}
