// The git filter that keeps tracked notebooks free of outputs (.gitattributes names it): defined in
// this clone's own .git/config, since git never takes filters from a repository it clones.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../paths';
import { log, run } from './shell';

export function setupGitFilter(root = ROOT): void {
  if (!fs.existsSync(path.join(root, '.git'))) return; // an exported copy, not a clone
  const script = path.join(root, 'bin', 'strip-notebook.js');
  const settings: [string, string][] = [
    ['filter.at-odds-strip.clean', `"${process.execPath}" "${script}"`],
    ['filter.at-odds-strip.smudge', 'cat'],
  ];
  for (const [key, value] of settings) {
    const r = run('git', ['-C', root, 'config', key, value]);
    if (!r.ok) {
      log(`git filter: could not set ${key} (${r.output.trim()}); notebooks will show outputs in git status after JupyterLab saves them`);
      return;
    }
  }
  log('git filter at-odds-strip: notebooks are kept without outputs');
}
