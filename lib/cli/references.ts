// `at-odds references [--check]`: writes each chapter's References section (lib/notebook/references.ts)
// from references.bib into notebooks/*.ipynb as its last cell, or with --check only says which are stale.
// It rewrites notebooks: run it under the notebooks lock while others may edit them
// (flock /tmp/at-odds-notebooks.lock npm run references).
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../io/atomic';
import { parseBibtex } from '../notebook/bibtex';
import { referencesCell, withReferences } from '../notebook/references';
import { stripNotebook } from '../notebook/strip';
import { NOTEBOOKS, ROOT } from '../paths';

export const BIBTEX_FILE = path.join(ROOT, 'references.bib');

/** The notebooks whose References section differs from what references.bib gives; rewritten unless `check`. */
export function syncReferences(opts: { check?: boolean; notebooks?: string[] } = {}): string[] {
  const entries = parseBibtex(fs.readFileSync(BIBTEX_FILE, 'utf8'));
  const files = opts.notebooks ?? fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(NOTEBOOKS, f));
  const stale: string[] = [];
  for (const file of files) {
    const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
    const cells = withReferences(nb.cells, entries);
    const last = cells[cells.length - 1];
    const current = referencesCell(nb.cells);
    const lastNow = nb.cells[nb.cells.length - 1];
    if (current === (last.source as string[]).join('') && lastNow?.id === last.id) continue;
    stale.push(path.basename(file));
    if (!opts.check) writeFileAtomic(file, stripNotebook(JSON.stringify({ ...nb, cells })));
  }
  return stale;
}

export function referencesCommand(args: string[]): number {
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length) throw new Error(`usage: at-odds references [--check]; unknown: ${unknown.join(' ')}`);
  const check = args.includes('--check');
  const stale = syncReferences({ check });
  if (check) {
    console.log(stale.length ? `References out of date in: ${stale.join(', ')} (run npm run references)` : 'Every chapter\'s References section is current.');
    return stale.length ? 1 : 0;
  }
  console.log(stale.length ? `References written into: ${stale.join(', ')}` : 'Every chapter\'s References section was already current.');
  return 0;
}
