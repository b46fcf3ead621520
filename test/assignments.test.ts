// The chapters as assignments: nbgrader's metadata on every exercise; the release (student notebooks and
// handouts with no solution anywhere); the autograder (full marks for the instructor's notebook, 0 for the
// released one, exactly the right answer's points, an infinite loop stopped, bad files named).
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { spawnSync } from 'child_process';
import { atOdds, ROOT, tempDir } from './helpers/cli';
import { openHandout } from './helpers/browser';

const CHAPTERS = ['01-theory', '02-mnist', '03-cifar10', '04-imagenet'];

interface Cell { cell_type: string; id?: string; source: string | string[]; metadata: { tags?: string[]; nbgrader?: Record<string, unknown> }; outputs?: unknown[] }
interface Notebook { cells: Cell[]; metadata: Record<string, unknown> }
interface Grade { notebook: string; chapter: string | null; score: number | null; max_score: number | null; failed: string[]; changed?: string[]; status: string; message?: string; feedback?: string; seconds: number }

const read = (p: string): Notebook => JSON.parse(fs.readFileSync(p, 'utf8'));
const src = (c: Cell) => [c.source].flat().join('');
const nbg = (c: Cell) => c.metadata.nbgrader ?? {};
const chapter = (name: string) => read(path.join(ROOT, 'notebooks', `${name}.ipynb`));

/** The lines of solutions (code between the markers, and written answers) that say something: no brace or marker alone. */
function solutionLines(nb: Notebook): string[] {
  const lines: string[] = [];
  for (const c of nb.cells) {
    if (!nbg(c).solution) continue;
    if (c.cell_type === 'markdown') lines.push(...src(c).split('\n'));
    else lines.push(...(src(c).match(/BEGIN SOLUTION\n([\s\S]*?)\n.*END SOLUTION/)?.[1] ?? '').split('\n'));
  }
  return [...new Set(lines.map((l) => l.trim()).filter((l) => l.length >= 20 && !/^\/\/ (BEGIN|END) /.test(l)))];
}

function hiddenTestLines(nb: Notebook): string[] {
  const lines: string[] = [];
  for (const c of nb.cells) {
    if (nbg(c).grade && c.cell_type === 'code') lines.push(...(src(c).match(/BEGIN HIDDEN TESTS\n([\s\S]*?)\n.*END HIDDEN TESTS/)?.[1] ?? '').split('\n'));
  }
  return [...new Set(lines.map((l) => l.trim()).filter((l) => l.length >= 20))];
}

/** A file's text, with every base64 data URL decoded (and gunzipped where it is gzip) appended. */
function textWithDataUrls(file: string): string {
  if (file.endsWith('.pdf')) return spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
  const text = fs.readFileSync(file, 'utf8');
  // As a reader sees it too: highlighted code is split by tags.
  const plain = file.endsWith('.html') ? unescapeHtml(text.replace(/<[^>]+>/g, '')) : '';
  const decoded = [...text.matchAll(/base64,([A-Za-z0-9+/=]{40,})/g)].map((m) => {
    const bytes = Buffer.from(m[1], 'base64');
    try { return bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes).toString('utf8') : bytes.toString('utf8'); } catch { return ''; }
  });
  return [text, plain, ...decoded].join('\n');
}

function unescapeHtml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
}

test('every chapter has at least four graded exercises, each with nbgrader metadata a release accepts', (t) => {
  for (const name of CHAPTERS) {
    const nb = chapter(name);
    const ids = nb.cells.map((c) => nbg(c).grade_id).filter(Boolean);
    t.is(new Set(ids).size, ids.length, `${name}: grade ids are unique`);
    const graded = nb.cells.filter((c) => nbg(c).grade);
    t.true(graded.length >= 4, `${name} has ${graded.length} graded exercises`);
    for (const c of nb.cells.filter((x) => nbg(x).grade_id)) {
      const m = nbg(c);
      const where = `${name} ${m.grade_id}`;
      t.is(m.schema_version, 3, where);
      for (const k of ['grade', 'solution', 'locked']) t.is(typeof m[k], 'boolean', `${where}: ${k}`);
      if (m.grade) t.true(typeof m.points === 'number' && (m.points as number) > 0, `${where}: points`);
      if (m.grade && c.cell_type === 'code') {
        t.true(m.locked as boolean, `${where}: a test cell is locked`);
        t.regex(src(c), /\/\/ BEGIN HIDDEN TESTS\n[\s\S]+\/\/ END HIDDEN TESTS/, `${where}: hidden tests`);
        // The answer it tests comes right before it, and the question before that.
        const i = nb.cells.indexOf(c);
        t.true(nbg(nb.cells[i - 1]).solution as boolean, `${where}: its answer cell precedes it`);
        t.regex(src(nb.cells[i - 1]), /\/\/ BEGIN SOLUTION\n[\s\S]+\/\/ END SOLUTION/, `${where}: the solution between the markers`);
        t.true(nbg(nb.cells[i - 2]).locked as boolean, `${where}: its question precedes the answer`);
      }
      if (m.grade && c.cell_type === 'markdown') t.true(m.solution as boolean, `${where}: a written answer is a solution cell`);
    }
    // Library code may be packed into a handout's pages: a solution line that is also library code could not be told from a leak.
    const library = (fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'))
      .map((f) => fs.readFileSync(path.join(ROOT, 'lib', f), 'utf8')).join('\n');
    t.deepEqual(solutionLines(nb).filter((l) => library.includes(l)), [], `${name}: solution lines that are also in lib/`);
    // No later cell depends on an exercise: nothing outside the exercises names what an answer defines.
    const defined = nb.cells.filter((c) => nbg(c).solution && c.cell_type === 'code').flatMap((c) => [...src(c).matchAll(/^function (\w+)/gm)].map((m) => m[1]));
    t.true(defined.length >= 3, `${name}: answers define functions`);
    for (const c of nb.cells.filter((x) => x.cell_type === 'code' && !nbg(x).grade_id)) {
      for (const f of defined) t.false(new RegExp(`\\b${f}\\b`).test(src(c)), `${name}: a chapter cell uses ${f}, an exercise's answer`);
    }
  }
});

const released = tempDir('assignments');
let releaseRun: { code: number; stdout: string; stderr: string } | undefined;
const release = () => {
  releaseRun ??= atOdds(['assignments', 'release', '--out', released]);
  return releaseRun;
};

test.serial('release: four student notebooks, no solution line and no hidden test anywhere in what the students get', (t) => {
  const r = release();
  t.is(r.code, 0, r.stderr);
  for (const name of CHAPTERS) {
    const inst = chapter(name);
    const student = read(path.join(released, 'release', `${name}.ipynb`));
    t.true(student.cells.filter((c) => nbg(c).grade).length >= 4, name);
    t.is((student.metadata.at_odds as { assignment: string }).assignment, name);
    t.true(student.cells.every((c) => c.cell_type !== 'code' || (c.outputs ?? []).length === 0), `${name}: outputs cleared`);
    const answers = student.cells.filter((c) => nbg(c).solution && c.cell_type === 'code');
    for (const c of answers) t.regex(src(c), /\/\/ YOUR CODE HERE\n\s*throw new Error\('not implemented'\);/, `${name}: the stub`);
    const sol = solutionLines(inst);
    const hidden = hiddenTestLines(inst);
    t.true(sol.length >= 8 && hidden.length >= 4, `${name}: ${sol.length} solution lines, ${hidden.length} hidden test lines to look for`);
    // The student course site too: its page, its book and the notebook it links to.
    const site = ['index.html', 'at-odds.pdf', `notebooks/${name}.ipynb`].map((f) => path.join(released, 'handouts', 'student', f));
    const files = [path.join(released, 'release', `${name}.ipynb`), ...['html', 'pdf'].map((e) => path.join(released, 'handouts', 'student', `${name}.${e}`)), ...site];
    for (const f of files) {
      t.true(fs.existsSync(f), f);
      const text = textWithDataUrls(f);
      for (const line of sol) t.false(text.includes(line), `${path.basename(f)} holds a solution line: ${line}`);
      if (!f.endsWith('.pdf')) for (const line of hidden) t.false(text.includes(line), `${path.basename(f)} holds a hidden test: ${line}`);
    }
    // The instructor's handout has them.
    const instructorText = textWithDataUrls(path.join(released, 'handouts', 'instructor', `${name}.html`));
    const code = sol.filter((l) => !l.includes('$'));
    t.deepEqual(code.filter((l) => !instructorText.includes(l)), [], `${name}: the instructor's handout shows every solution`);
  }
});

test.serial('the student handout opens in Chromium with the questions and no solutions; the instructor\'s with both', async (t) => {
  t.is(release().code, 0);
  const inst = chapter('02-mnist');
  const questions = inst.cells.filter((c) => nbg(c).grade_id?.toString().endsWith('-question')).map((c) => src(c).split('\n')[0].replace(/^#+\s*/, '').replace(/\$[^$]*\$/g, '').trim().slice(0, 18));
  const sol = solutionLines(inst).filter((l) => !l.includes('$'));
  for (const who of ['student', 'instructor']) {
    const { browser, page, remote } = await openHandout(path.join(released, 'handouts', who, '02-mnist.html'));
    try {
      const text = await page.evaluate(() => document.body.innerText);
      for (const q of questions) t.true(text.includes(q), `${who}: the question "${q}"`);
      const shown = sol.filter((l) => text.includes(l));
      if (who === 'student') {
        t.deepEqual(shown, [], 'no solution line in the student handout');
        t.true(text.includes('YOUR CODE HERE'));
      } else {
        t.is(shown.length, sol.length, 'every solution line in the instructor handout');
      }
      t.deepEqual(remote, []);
    } finally {
      await browser.close();
    }
  }
});

/** The released 01-theory with some answers written in: the instructor's cell source (right) or other code. */
function answered(answers: Record<string, 'right' | string>): Notebook {
  const inst = chapter('01-theory');
  const nb = read(path.join(released, 'release', '01-theory.ipynb'));
  for (const [gid, how] of Object.entries(answers)) {
    const cell = nb.cells.find((c) => nbg(c).grade_id === gid)!;
    cell.source = how === 'right' ? inst.cells.find((c) => nbg(c).grade_id === gid)!.source : how;
  }
  return nb;
}

function grade(dir: string, out: string, extra: string[] = []): { code: number; grades: Grade[]; stderr: string } {
  const r = atOdds(['assignments', 'grade', dir, '--out', out, ...extra]);
  return { code: r.code, grades: r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)), stderr: r.stderr };
}

/** The chapter cut to what grading runs (parameters, exercises, and a set-up of theory alone): grades in a fraction of the time. */
function smallTheory(): Notebook {
  const nb = chapter('01-theory');
  const setup: Cell = { cell_type: 'code', id: 'small-setup', metadata: { tags: ['setup'] }, source: "import * as theory from './lib/theory';", outputs: [] };
  const cells = nb.cells.filter((c) => c.metadata.tags?.includes('parameters') || nbg(c).grade_id || c.id === 'ex-setup');
  return { ...nb, cells: [cells[0], setup, ...cells.slice(1)] };
}

test.serial('grading a real chapter: the instructor\'s notebook scores full marks, the released one 0 on every exercise, and the grader exits 0', (t) => {
  t.is(release().code, 0);
  const subs = tempDir('submissions');
  fs.copyFileSync(path.join(ROOT, 'notebooks', '01-theory.ipynb'), path.join(subs, 'instructor-01-theory.ipynb'));
  fs.copyFileSync(path.join(released, 'release', '01-theory.ipynb'), path.join(subs, 'unchanged.ipynb'));
  const out = tempDir('graded');
  fs.cpSync(path.join(released, 'source'), path.join(out, 'source'), { recursive: true });
  const r = grade(subs, out);
  t.is(r.code, 0, r.stderr);
  const by = Object.fromEntries(r.grades.map((g) => [g.notebook, g]));
  const auto = chapter('01-theory').cells.filter((c) => nbg(c).grade && c.cell_type === 'code');
  const max = auto.reduce((s, c) => s + (nbg(c).points as number), 0);
  t.like(by['instructor-01-theory.ipynb'], { chapter: '01-theory', status: 'graded', score: max, max_score: max, failed: [], changed: [] });
  t.like(by['unchanged.ipynb'], { chapter: '01-theory', status: 'graded', score: 0, max_score: max, changed: [] });
  t.deepEqual([...by['unchanged.ipynb'].failed].sort(), auto.map((c) => nbg(c).grade_id as string).sort());
  t.regex(r.stderr, /\[2\/2\] unchanged\.ipynb: 0\/\d+ in [\d.]+ s/);
  for (const g of r.grades) t.true(fs.existsSync(path.join(out, 'feedback', g.notebook.replace(/\.ipynb$/, '.html'))));
});

test.serial('grading: one right answer scores exactly its points, a changed test cell is graded as the instructor wrote it, an infinite loop times out and the next is graded, bad files are named', (t) => {
  t.is(release().code, 0);
  const subs = tempDir('submissions');
  const wrong = 'function robustCeiling(p: number, standardAccuracy: number): number {\n  return p * (1 - standardAccuracy);\n}';
  fs.writeFileSync(path.join(subs, 'a-one-right-one-wrong.ipynb'), JSON.stringify(answered({ 'theory-averaging-answer': 'right', 'theory-bound-answer': wrong })));
  // A test cell changed so that it cannot fail: the instructor's runs instead, and the report says so.
  const cheat = answered({ 'theory-bound-answer': wrong });
  cheat.cells.find((c) => nbg(c).grade_id === 'theory-bound')!.source = '// nothing to test';
  fs.writeFileSync(path.join(subs, 'b-changed-test.ipynb'), JSON.stringify(cheat));
  fs.writeFileSync(path.join(subs, 'c-loop.ipynb'), JSON.stringify(answered({ 'theory-averaging-answer': 'right', 'theory-crossover-answer': 'function crossoverEps(p: number, d: number, eta: number): number {\n  while (true) {}\n}' })));
  fs.writeFileSync(path.join(subs, 'd-right.ipynb'), JSON.stringify(answered({ 'theory-bound-answer': 'right' })));
  fs.writeFileSync(path.join(subs, 'e-not-a-notebook.ipynb'), 'this is an essay, not JSON');
  fs.writeFileSync(path.join(subs, 'f-foreign.ipynb'), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', id: 'x', metadata: {}, source: '1 + 1', outputs: [], execution_count: null }] }));
  const out = tempDir('graded');
  fs.mkdirSync(path.join(out, 'source'));
  fs.writeFileSync(path.join(out, 'source', '01-theory.ipynb'), JSON.stringify(smallTheory()));
  const r = grade(subs, out, ['--timeout', '60', '--cell-timeout', '10']);
  t.is(r.code, 0, r.stderr);
  t.is(r.grades.length, 6);
  const by = Object.fromEntries(r.grades.map((g) => [g.notebook, g]));
  const points = (gid: string) => nbg(chapter('01-theory').cells.find((c) => nbg(c).grade_id === gid)!).points as number;

  const mixed = by['a-one-right-one-wrong.ipynb'];
  t.like(mixed, { status: 'graded', score: points('theory-averaging') });
  t.deepEqual([...mixed.failed].sort(), ['theory-bound', 'theory-crossover']);
  const changed = by['b-changed-test.ipynb'];
  t.deepEqual(changed.changed, ['theory-bound']);
  t.true(changed.failed.includes('theory-bound'), 'the instructor\'s test ran and failed the wrong answer');
  const loop = by['c-loop.ipynb'];
  t.is(loop.status, 'timeout', JSON.stringify(loop));
  t.is(loop.score, points('theory-averaging'), 'what ran before the loop is graded');
  t.like(by['d-right.ipynb'], { status: 'graded', score: points('theory-bound') });
  t.like(by['e-not-a-notebook.ipynb'], { status: 'unusable', score: null });
  t.regex(by['e-not-a-notebook.ipynb'].message!, /^not a notebook/);
  t.regex(by['f-foreign.ipynb'].message!, /^not one of our chapters/);

  // The class's table, and a feedback page that shows the failure a student can act on, hidden tests out.
  const csv = fs.readFileSync(path.join(out, 'grades.csv'), 'utf8').trim().split('\n');
  t.is(csv.length, 7);
  t.regex(csv[0], /^notebook,chapter,score,max_score,status,failed/);
  const page = fs.readFileSync(path.join(out, 'feedback', 'a-one-right-one-wrong.html'), 'utf8');
  t.regex(page, /robustCeiling\(0\.95, 0\.99\): expected 0\.19000000 \(within 1e-12\), got 0\.0095000000/);
  for (const line of hiddenTestLines(chapter('01-theory'))) t.false(page.includes(line), `the feedback page shows a hidden test: ${line}`);
});
