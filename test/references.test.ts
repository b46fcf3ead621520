// Every chapter ends with its References, generated from references.bib; every key the text cites is
// in the file; every accuracy table names its n (issue #23).
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { BIBTEX_FILE, syncReferences } from '../lib/cli/references';
import { bibText, parseBibtex } from '../lib/notebook/bibtex';
import { chapterMarkdown, citedKeys, formatEntry, REFERENCES_HEADING, referencesMarkdown } from '../lib/notebook/references';
import { accuracySummary } from '../lib/figures/theory';
import { accuracyTable, tradeoffTable } from '../lib/plots/chapter-figures';

const NOTEBOOKS = path.resolve(__dirname, '..', 'notebooks');
const chapters = fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();
const entries = parseBibtex(fs.readFileSync(BIBTEX_FILE, 'utf8'));
type Cell = { cell_type: string; id?: string; source: string | string[] };
const cellsOf = (f: string): Cell[] => JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, f), 'utf8')).cells;
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

test('references.bib holds the works the issue names, each with a title and a year', (t) => {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const paper = byKey.get('tsipras2019robustness')!;
  t.is(paper.fields.eprint, '1805.12152');
  t.regex(paper.fields.note, /There Is No Free Lunch In Adversarial Robustness/);
  t.is(byKey.get('madry2018towards')?.fields.eprint, '1706.06083');
  t.regex(byKey.get('wong2020fast')!.fields.title, /Fast is better than free/);
  t.regex(byKey.get('page2018train')!.fields.title, /How to Train Your ResNet/);
  t.truthy(byKey.get('salman2020adversarially'));
  t.truthy(byKey.get('howard2017mobilenets'));
  // The robustness library, as its README asks to be cited.
  t.deepEqual(byKey.get('robustness')!.fields.title, '{Robustness (Python Library)}'.replace(/[{}]/g, ''));
  for (const e of entries) t.true(Boolean(e.fields.title && e.fields.year), e.key);
});

for (const chapter of chapters) {
  test(`${chapter} ends with its References section, as references.bib gives it, and cites only keys the file has`, (t) => {
    const cells = cellsOf(chapter);
    const last = cells[cells.length - 1];
    t.is(last.cell_type, 'markdown');
    t.true(text(last).startsWith(REFERENCES_HEADING), 'the last cell is the References section');
    const markdown = chapterMarkdown(cells);
    const cited = citedKeys(markdown);
    t.true(cited.includes('tsipras2019robustness'), 'the chapter cites the paper');
    const known = new Set(entries.map((e) => e.key));
    t.deepEqual(cited.filter((k) => !known.has(k)), [], 'cited keys missing from references.bib');
    t.is(text(last), referencesMarkdown(markdown, entries), 'the section is what `npm run references` writes');
    // Every entry listed has its anchor, so that the links reach it in the notebook and the handouts.
    for (const k of cited) t.true(text(last).includes(`<a id="ref-${k}"></a>`), k);
  });
}

test('the sync script finds every chapter current', (t) => {
  t.deepEqual(syncReferences({ check: true }), []);
});

test('every markdown table of accuracies in the chapters names its n', (t) => {
  // Tables written into the markdown by hand, and those the chapters generate.
  for (const chapter of chapters) {
    for (const c of cellsOf(chapter).filter((c) => c.cell_type === 'markdown')) {
      for (const header of text(c).split('\n').filter((l, i, ls) => l.startsWith('|') && /^\|\s*-/.test(ls[i + 1] ?? ''))) {
        if (/accura/i.test(header)) t.regex(header, /\|\s*n\s*\||\bn = /, `${chapter}: ${header}`);
      }
    }
  }
  const header = (table: string) => table.split('\n')[0];
  t.regex(header(accuracyTable([{ model: 'm', threat: 'l2', eps: 0, std_acc: 1, robust_acc: 1, n: 5 }])), /\| n \|/);
  t.regex(header(accuracySummary([
    { classifier: 'c', eps: 0, closedForm: 0.9, monteCarlo: 0.9, se: 0.01, n: 100 }, { classifier: 'c', eps: 0.2, closedForm: 0.5, monteCarlo: 0.5, se: 0.05, n: 100 }], 0.1)), /\| n \|/);
  const table = tradeoffTable([{ threat: 'l2', eps_train: 0, std_acc: 0.9, model: 's' }], [], [], 'theirs', { standard: 100, published: 10_000 });
  t.regex(table, /90\.0% \[82\.6, 94\.5\]/, 'our standard accuracy with its interval over n = 100');
});

test('BibTeX: fields in braces, quotes or digits, accents, and malformed input named with its line', (t) => {
  const [e] = parseBibtex('% a comment\n@article{k1,\n  title = {A {B} c},\n  author = "L{\\\'e}on Bottou and Y. LeCun",\n  year = 1998,\n}\n');
  t.deepEqual(e, { type: 'article', key: 'k1', fields: { title: 'A {B} c', author: 'L{\\\'e}on Bottou and Y. LeCun', year: '1998' } });
  t.is(bibText(e.fields.author), 'Léon Bottou and Y. LeCun');
  t.is(formatEntry(e), '* <a id="ref-k1"></a>Léon Bottou and Y. LeCun (1998). A B c.');
  t.is(formatEntry({ type: 'misc', key: 'q', fields: { title: 'Why?', year: '2020' } }), '* <a id="ref-q"></a>(2020). Why?', 'no full stop after a question mark');
  t.throws(() => parseBibtex('@misc{a, title = {x}}\n@misc{a, title = {y}}'), { message: /line 2: key a is defined twice/ });
  t.throws(() => parseBibtex('@misc{a, title = {x}'), { message: /line 1: ',' or '}' in entry a/ });
  t.throws(() => parseBibtex('@misc{a,\n title = x}'), { message: /line 2: field title of entry a: a value in braces, quotes or digits/ });
  t.throws(() => parseBibtex('stray\n@misc{a, title={x}}'), { message: /line 1: text outside an entry: 'stray'/ });
  t.throws(() => referencesMarkdown('see [X](#ref-nosuchkey)', entries), { message: /cited but not in references.bib: nosuchkey/ });
  t.deepEqual(citedKeys('[A](#ref-a) and [B](#ref-b), [A again](#ref-a)'), ['a', 'b']);
});
