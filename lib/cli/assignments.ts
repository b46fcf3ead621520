// `npm run assignments -- release | grade DIR`: the chapters as assignments a course hands out and
// grades, with nbgrader's metadata and rules (jupyter/assignments.py does the notebook work).
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { parseArgs } from 'util';
import { JUPYTER_DIR, NOTEBOOKS, OUTPUTS, venvBin } from '../paths';
import { jupyterEnv, jupyterReady } from '../setup/jupyter';
import { findChromium, printToPdf } from '../handouts/chromium';
import { writeCourseSite } from '../handouts/site';
import { writeCsv } from '../io/csv';

export const ASSIGNMENTS_HELP = `usage: at-odds assignments release [--out DIR]
       at-odds assignments grade DIR [--out DIR] [--timeout S] [--cell-timeout S] [--memory-mb M]
  release   the student version of every chapter (DIR/release/<chapter>.ipynb: solutions replaced by a stub,
            hidden tests removed, outputs cleared) and the handouts, student and instructor (HTML, PDF)
  grade DIR grades every file in DIR, each notebook in its own tslab kernel: one JSON line per file,
            DIR's grades in OUT/grades.csv, a feedback page per notebook in OUT/feedback/
  --out DIR          where everything goes (default outputs/assignments)
  --timeout S        seconds one notebook may run in all (default 120)
  --cell-timeout S   seconds one cell may run (default 30)
  --memory-mb M      the kernel's memory limit (default 4096)`;

/** One notebook's grade, as jupyter/assignments.py prints it. */
export interface Grade {
  notebook: string;
  chapter: string | null;
  score: number | null;
  max_score: number | null;
  failed: string[];
  manual?: { grade_id: string; points: number }[];
  changed?: string[];
  status: string;
  message?: string;
  seconds?: number;
}

interface Done { code: number; stdout: string; stderr: string; killed: boolean }

/** Python in .venv, in its own process group, killed (with its kernel) after `limitMs`. */
function python(args: string[], env: NodeJS.ProcessEnv, limitMs: number, echo: boolean): Promise<Done> {
  return new Promise((resolve, reject) => {
    const p = spawn(venvBin('python'), args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    p.stdout.on('data', (d) => { stdout += d; if (echo) process.stdout.write(d); });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      killed = true;
      try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, limitMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, killed });
    });
  });
}

function chapters(): string[] {
  return fs.readdirSync(NOTEBOOKS).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort().map((f) => path.join(NOTEBOOKS, f));
}

export async function releaseAssignments(out: string): Promise<number> {
  const env = jupyterEnv(OUTPUTS);
  const r = await python([path.join(JUPYTER_DIR, 'assignments.py'), 'release', ...chapters(), '--out', out,
    '--executed', path.join(OUTPUTS, 'notebooks')], env, 30 * 60_000, true);
  if (r.code !== 0) {
    console.error(r.stderr.trim());
    return r.code;
  }
  const chromium = findChromium();
  for (const who of ['student', 'instructor']) {
    const dir = path.join(out, 'handouts', who);
    for (const html of fs.readdirSync(dir).filter((f) => f.endsWith('.html')).sort()) {
      if (chromium) await printToPdf(chromium, path.join(dir, html), path.join(dir, html.replace(/\.html$/, '.pdf')));
    }
    // Each version is a course site of its own (index.html, navigation, at-odds.pdf), so that a course can
    // publish the student folder as it is: the site of outputs/handouts is the instructor's, with solutions.
    await writeCourseSite(dir, { notebooksDir: path.join(out, who === 'student' ? 'release' : 'source'), chromium });
  }
  console.log(`released ${chapters().length} chapters into ${path.relative(process.cwd(), out) || out}: release/*.ipynb, handouts/student and handouts/instructor (HTML${chromium ? ' and PDF' : '; no PDF: Chromium not found'}, each with its course page index.html)`);
  return 0;
}

export interface GradeOptions { dir: string; out: string; timeoutS: number; cellTimeoutS: number; memoryMb: number }

export async function gradeAssignments(o: GradeOptions): Promise<Grade[]> {
  if (!fs.existsSync(o.dir) || !fs.statSync(o.dir).isDirectory()) throw new Error(`no folder of submissions at ${o.dir}`);
  // The instructor's notebooks as released; the chapters as they are if nothing was released yet.
  const released = path.join(o.out, 'source');
  const source = fs.existsSync(released) ? released : NOTEBOOKS;
  const files = fs.readdirSync(o.dir).filter((f) => !f.startsWith('.') && fs.statSync(path.join(o.dir, f)).isFile()).sort();
  if (files.length === 0) throw new Error(`${o.dir} holds no files to grade`);
  const env = jupyterEnv(OUTPUTS);
  const grades: Grade[] = [];
  const started = Date.now();
  for (const [i, f] of files.entries()) {
    const r = await python([path.join(JUPYTER_DIR, 'assignments.py'), 'grade-one', path.join(o.dir, f), '--source', source,
      '--feedback', path.join(o.out, 'feedback'), '--timeout', String(o.timeoutS), '--cell-timeout', String(o.cellTimeoutS),
      '--memory-mb', String(o.memoryMb)], env, (o.timeoutS + 60) * 1000, false);
    const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    const g: Grade = line ? JSON.parse(line) : {
      notebook: f, chapter: null, score: null, max_score: null, failed: [], status: r.killed ? 'timeout' : 'crashed',
      message: r.killed ? `the grader ran past ${o.timeoutS + 60} s and was stopped` : r.stderr.trim().split('\n').slice(-3).join(' '),
    };
    grades.push(g);
    console.log(JSON.stringify(g));
    const elapsed = (Date.now() - started) / 1000;
    const eta = (elapsed / (i + 1)) * (files.length - i - 1);
    const result = g.score === null ? g.status : `${g.score}/${g.max_score}${g.status === 'graded' ? '' : ` (${g.status})`}`;
    console.error(`[${i + 1}/${files.length}] ${f}: ${result} in ${g.seconds ?? '?'} s; ${Math.round(elapsed)} s so far, about ${Math.round(eta)} s left`);
  }
  writeCsv(path.join(o.out, 'grades.csv'), grades.map((g) => ({
    notebook: g.notebook, chapter: g.chapter ?? '', score: g.score ?? '', max_score: g.max_score ?? '', status: g.status,
    failed: g.failed.join(' '), changed: (g.changed ?? []).join(' '),
    manual_points: (g.manual ?? []).reduce((s, m) => s + m.points, 0), seconds: g.seconds ?? '', message: g.message ?? '',
  })));
  return grades;
}

export async function assignmentsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help')) {
    console.log(ASSIGNMENTS_HELP);
    return sub ? 0 : 2;
  }
  if (!jupyterReady()) throw new Error('Jupyter is not set up in .venv: run `npm run setup` first');
  const { values, positionals } = parseArgs({
    args: rest, allowPositionals: true,
    options: { out: { type: 'string' }, timeout: { type: 'string' }, 'cell-timeout': { type: 'string' }, 'memory-mb': { type: 'string' } },
  });
  const out = path.resolve(values.out ?? path.join(OUTPUTS, 'assignments'));
  const positive = (name: string, v: string | undefined, dflt: number) => {
    const n = v === undefined ? dflt : Number(v);
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${name} must be a positive integer, got '${v}'`);
    return n;
  };
  if (sub === 'release') return releaseAssignments(out);
  if (sub === 'grade') {
    if (positionals.length !== 1) throw new Error('usage: at-odds assignments grade DIR (one folder of submitted notebooks)');
    await gradeAssignments({ dir: path.resolve(positionals[0]), out, timeoutS: positive('timeout', values.timeout, 120),
      cellTimeoutS: positive('cell-timeout', values['cell-timeout'], 30), memoryMb: positive('memory-mb', values['memory-mb'], 4096) });
    return 0;
  }
  throw new Error(`unknown assignments command '${sub}': use release or grade\n${ASSIGNMENTS_HELP}`);
}
