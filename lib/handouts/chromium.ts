// Headless Chromium, which prints handouts to PDF and runs the browser checks.
import * as fs from 'fs';
import * as fsp from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { which } from '../paths';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The browser to use: AT_ODDS_CHROMIUM, else the first of the usual names on PATH; null if none. */
export function findChromium(): string | null {
  const given = process.env.AT_ODDS_CHROMIUM;
  if (given) return fs.existsSync(given) ? given : null;
  for (const name of CANDIDATES) {
    const p = which(name);
    if (p) return p;
  }
  return null;
}

/** Flags that keep Chromium offline and quiet: it must never phone home or download anything. */
export function chromiumFlags(userDataDir: string): string[] {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    `--user-data-dir=${userDataDir}`];
}

/** Prints an HTML file to PDF, waiting for scripts (plots, math) to finish. */
export async function printToPdf(chromium: string, htmlPath: string, pdfPath: string): Promise<void> {
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'at-odds-chromium-'));
  const partial = `${pdfPath}.part`;
  try {
    // Figures draw at the window's width and keep it on paper: at 700 px they fit a Letter or A4 page
    // with its margins, instead of losing their right edge (titles, legends) to it.
    // The PDF is tagged (Chromium's default) and gets an outline: a bookmark per heading, for a screen
    // reader and for anyone finding a section (lib/handouts/pdf-structure.ts checks both).
    const args = [...chromiumFlags(profile), '--no-pdf-header-footer', '--generate-pdf-document-outline', '--virtual-time-budget=20000', '--window-size=700,1000',
      `--print-to-pdf=${partial}`, `file://${path.resolve(htmlPath)}`];
    await new Promise<void>((resolve, reject) => {
      const p = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0 && fs.existsSync(partial)) resolve();
        else reject(new Error(`${chromium} could not print ${htmlPath} to PDF (exit ${code}):\n${err.split('\n').slice(-10).join('\n')}`));
      });
    });
    await fsp.rename(partial, pdfPath);
  } finally {
    await fsp.rm(profile, { recursive: true, force: true });
  }
}
