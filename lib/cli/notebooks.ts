// `npm run notebooks`: execute notebooks headless on tslab, then export each as a handout.
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { JUPYTER_DIR, NOTEBOOKS, OUTPUTS, ROOT, venvBin } from '../paths';
import { jupyterEnv, jupyterReady } from '../setup/jupyter';
import { findChromium, printToPdf } from '../handouts/chromium';
import { writeCourseSite } from '../handouts/site';
import { PROFILE_NAMES } from '../profile';
import { writeFileAtomic } from '../io/atomic';
import { RUNNER_ENV } from '../plots/figure';


export interface NotebookRun {
  names: string[];
  all: boolean;
  profile?: string;
  sets: string[];
  /** Where executed notebooks and handouts go (default outputs/). */
  out?: string;
}

/** A name from notebooks/ ("01-theory" or "01-theory.ipynb"), or a path to any .ipynb. */
function resolveNotebook(name: string): string {
  const candidates = [name, path.join(NOTEBOOKS, name), path.join(NOTEBOOKS, `${name}.ipynb`)];
  const found = candidates.find((p) => p.endsWith('.ipynb') && fs.existsSync(p));
  if (!found) {
    const known = fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).map((f) => f.replace(/\.ipynb$/, ''));
    throw new Error(`no notebook '${name}': choose from ${known.join(', ')}, or give a path to an .ipynb`);
  }
  return path.resolve(found);
}

function sizeMB(p: string): string {
  return `${(fs.statSync(p).size / 1e6).toFixed(2)} MB`;
}

function python(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(venvBin('python'), args, { stdio: 'inherit', env });
    p.on('error', reject);
    p.on('close', (code) => resolve(code ?? 1));
  });
}

export async function runNotebooks(opts: NotebookRun): Promise<number> {
  if (opts.profile && !(PROFILE_NAMES as readonly string[]).includes(opts.profile)) {
    throw new Error(`--profile must be one of ${PROFILE_NAMES.join(', ')}, got '${opts.profile}'`);
  }
  const names = opts.all
    ? fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort()
    : opts.names;
  if (names.length === 0) throw new Error('name the notebooks to run, or pass --all');
  const notebooks = names.map(resolveNotebook);
  for (const s of opts.sets) if (!s.includes('=')) throw new Error(`--set ${s} is not key=value`);
  if (!jupyterReady()) throw new Error('Jupyter is not set up in .venv: run `npm run setup` first');

  const out = path.resolve(opts.out ?? OUTPUTS);
  // The kernels know that they run a notebook once for its handout: shared page code is carried once (lib/plots/figure.ts).
  const env = { ...jupyterEnv(out), [RUNNER_ENV]: '1' };
  const chromium = findChromium();
  const sets = opts.profile ? [`profile=${opts.profile}`, ...opts.sets] : opts.sets;
  const summary: string[] = [];
  for (const nb of notebooks) {
    const name = path.basename(nb, '.ipynb');
    const code = await oneAtATime(out, name, () => runOne(nb, name, out, env, sets, chromium, summary));
    if (code !== 0) return code;
  }
  if (opts.all) {
    // The course site over the chapters just written: index.html, each chapter's navigation, at-odds.pdf.
    const site = await writeCourseSite(path.join(out, 'handouts'), { notebooksDir: path.join(out, 'notebooks'), chromium });
    summary.push(`[course] ${path.relative(process.cwd(), site.index)}${site.pdf ? `, ${path.relative(process.cwd(), site.pdf)} (${sizeMB(site.pdf)})` : ''}`);
  }
  console.log(summary.join('\n'));
  return 0;
}

/**
 * Runs `fn` holding `out/.<name>.lock`: a second run of the same chapter into the same outputs says
 * that one is running instead of writing through it. A lock whose process is gone is taken over.
 */
async function oneAtATime(out: string, name: string, fn: () => Promise<number>): Promise<number> {
  fs.mkdirSync(out, { recursive: true });
  const lock = path.join(out, `.${name}.lock`);
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      if (pid && alive(pid)) throw new Error(`${name} is already running into ${out} (process ${pid}): wait for it to finish, or pass another --out`);
      fs.rmSync(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The files a chapter writes beside its handout (outputs/<name>/*.csv), kept aside while it runs and
 * put back if it fails, so that a failed run leaves the last complete outputs as they were. Folders
 * (the full profile's training runs) are left alone: they resume.
 */
function snapshotFiles(dir: string): () => void {
  const files = new Map<string, Buffer>();
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).isFile()) files.set(f, fs.readFileSync(path.join(dir, f)));
  return () => {
    if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (!files.has(f) && fs.statSync(path.join(dir, f)).isFile()) fs.rmSync(path.join(dir, f));
    for (const [f, bytes] of files) writeFileAtomic(path.join(dir, f), bytes);
  };
}

async function runOne(nb: string, name: string, out: string, env: NodeJS.ProcessEnv, sets: string[], chromium: string | null, summary: string[]): Promise<number> {
  const html = path.join(out, 'handouts', `${name}.html`);
  const started = Date.now();
  const restore = snapshotFiles(path.join(out, name));
  console.log(`[${name}] executing ${path.relative(process.cwd(), nb) || nb}${sets.length ? ` with ${sets.join(' ')}` : ''}`);
  const code = await python([
    path.join(JUPYTER_DIR, 'run_notebook.py'), nb,
    '--out-notebook', path.join(out, 'notebooks', `${name}.ipynb`), '--out-html', html,
    ...sets.flatMap((s) => ['--set', s]),
  ], env);
  if (code !== 0) {
    restore();
    console.error(`[${name}] stopped: see the message above (exit ${code}); the outputs of the last complete run are as they were`);
    return code;
  }
  let pdfNote = 'no PDF: Chromium not found (Debian: apt-get install chromium, or set AT_ODDS_CHROMIUM)';
  if (chromium) {
    const pdf = html.replace(/\.html$/, '.pdf');
    await printToPdf(chromium, html, pdf);
    pdfNote = `${path.relative(process.cwd(), pdf)} (${sizeMB(pdf)})`;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  summary.push(`[${name}] ${seconds} s: ${path.relative(process.cwd(), html)} (${sizeMB(html)}), ${pdfNote}`);
  return 0;
}

/** JupyterLab with our kernel and our Jupyter data dir, so that notebooks we executed are trusted. */
export function openLab(args: string[]): Promise<number> {
  if (!jupyterReady()) throw new Error('Jupyter is not set up in .venv: run `npm run setup` first');
  return new Promise((resolve, reject) => {
    // Localhost only; as root (a container, a lab machine) Jupyter refuses to start without --allow-root.
    const root = process.getuid?.() === 0 && !args.includes('--allow-root') ? ['--allow-root'] : [];
    const ip = args.some((a) => a.startsWith('--ip')) ? [] : ['--ip=127.0.0.1'];
    // A person's kernels, not the runner's: every live output carries what it draws with (lib/plots/figure.ts).
    const p = spawn(venvBin('jupyter'), ['lab', `--notebook-dir=${ROOT}`, ...ip, ...root, ...args], { stdio: 'inherit', env: { ...jupyterEnv(OUTPUTS), [RUNNER_ENV]: '' } });
    p.on('error', reject);
    p.on('close', (code) => resolve(code ?? 1));
  });
}
