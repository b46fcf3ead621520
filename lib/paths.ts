// Where things live, relative to the repository root (tslab's working directory).
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..');
/** Figures, CSV, executed notebooks and handouts; AT_ODDS_OUTPUTS moves them (the tests do). */
export const OUTPUTS = path.resolve(process.env.AT_ODDS_OUTPUTS ?? path.join(ROOT, 'outputs'));
export const NOTEBOOKS = path.join(ROOT, 'notebooks');
export const CACHE = path.join(ROOT, '.cache');
/** Downloaded data sets (AT_ODDS_DATA_CACHE moves it). */
export const DATA_CACHE = path.resolve(process.env.AT_ODDS_DATA_CACHE ?? path.join(ROOT, 'data', 'cache'));
/** Small samples committed to the repository, so that the quick profile and the tests need no download. */
export const DATA_SAMPLES = path.join(ROOT, 'data', 'samples');
export const VENV = path.join(ROOT, '.venv');
export const JUPYTER_DIR = path.join(ROOT, 'jupyter');
export const venvBin = (name: string) => path.join(VENV, 'bin', name);

/** The full path of a command on the PATH, or null. */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    if (dir && fs.existsSync(p)) return p;
  }
  return null;
}
