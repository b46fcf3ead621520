// What git keeps of a notebook: its cells and metadata, no outputs. JupyterLab's autosave writes
// outputs, execution counts and the kernel's language_info into the file a student has open; the git
// filter `at-odds-strip` (set up by `npm run setup`, named in .gitattributes) passes the tracked
// notebooks through stripNotebook, so that stepping through a chapter never reaches a diff or a commit.

/** The language_info tslab's kernel reports: tracked notebooks carry it, so opening one changes nothing. */
export const TSLAB_LANGUAGE_INFO = {
  codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
  file_extension: '.ts',
  mimetype: 'text/typescript',
  name: 'typescript',
  version: '3.7.2',
};

interface Cell { cell_type: string; source: string | string[]; metadata?: Record<string, unknown>; outputs?: unknown[]; execution_count?: number | null; [k: string]: unknown }
interface Notebook { cells: Cell[]; metadata: Record<string, unknown>; nbformat: number; nbformat_minor: number }

/** Cell metadata a front end writes as a student works (scrolling, collapsing, timing): not part of the chapter. */
const VOLATILE_CELL_METADATA = ['collapsed', 'scrolled', 'execution', 'jupyter', 'trusted'];

/** The notebook as git keeps it: outputs, counts and run metadata gone, tslab's language_info, source as lines. */
export function stripNotebook(text: string): string {
  const nb = JSON.parse(text) as Notebook;
  if (!Array.isArray(nb.cells) || typeof nb.metadata !== 'object') throw new Error('not a Jupyter notebook (no cells and metadata)');
  const { at_odds: _run, widgets: _widgets, ...metadata } = nb.metadata as Record<string, unknown>;
  const cells = nb.cells.map((c) => {
    const meta = Object.fromEntries(Object.entries(c.metadata ?? {}).filter(([k]) => !VOLATILE_CELL_METADATA.includes(k)));
    const source = (Array.isArray(c.source) ? c.source.join('') : c.source).split(/(?<=\n)/).filter((l) => l !== '');
    const cell = { cell_type: c.cell_type, ...(c.id === undefined ? {} : { id: c.id }), metadata: meta, source };
    return c.cell_type === 'code' ? { ...cell, execution_count: null, outputs: [] } : cell; // keys are sorted below
  });
  const stripped = { cells, metadata: { ...metadata, language_info: TSLAB_LANGUAGE_INFO }, nbformat: nb.nbformat, nbformat_minor: nb.nbformat_minor };
  return `${JSON.stringify(sortKeys(stripped), null, 1)}\n`;
}

/** Keys in order at every depth, as nbformat writes them: the same notebook is always the same bytes. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
