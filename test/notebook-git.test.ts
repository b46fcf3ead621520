// Stepping through a chapter leaves git clean: tracked notebooks carry no outputs, and the filter that
// `npm run setup` defines strips what JupyterLab's autosave writes.
import test from 'ava';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tempDir } from './helpers/cli';
import { stripNotebook, TSLAB_LANGUAGE_INFO } from '../lib/notebook/strip';
import { setupGitFilter } from '../lib/setup/git';

const notebooks = fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb'));
const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });

test('the tracked notebooks are stored stripped: no outputs, no counts, the language_info tslab reports', (t) => {
  for (const f of notebooks) {
    const text = fs.readFileSync(path.join(ROOT, 'notebooks', f), 'utf8');
    t.is(stripNotebook(text), text, `${f} is what the filter writes`);
    t.deepEqual(JSON.parse(text).metadata.language_info, TSLAB_LANGUAGE_INFO, f);
  }
});

test('an autosave with outputs, counts and run metadata is no change to git; a change to a cell is', (t) => {
  // A repository of the notebooks and the filter, as this working tree has them.
  const clone = tempDir('git');
  for (const f of ['notebooks', 'bin', '.gitattributes']) fs.cpSync(path.join(ROOT, f), path.join(clone, f), { recursive: true });
  for (const f of ['node_modules', 'lib']) fs.symlinkSync(path.join(ROOT, f), path.join(clone, f));
  fs.writeFileSync(path.join(clone, '.gitignore'), 'node_modules\nlib\n');
  git(clone, 'init', '--quiet');
  setupGitFilter(clone);
  git(clone, 'add', '.');
  t.is(git(clone, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'notebooks').status, 0);
  const file = path.join(clone, 'notebooks', '01-theory.ipynb');
  const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
  let count = 0;
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    c.execution_count = ++count;
    c.outputs = [{ output_type: 'stream', name: 'stdout', text: ['a result\n'] }];
    c.metadata.execution = { 'iopub.status.idle': '2026-11-25T18:00:00Z' };
  }
  nb.metadata.at_odds = { run_seconds: 3 };
  nb.metadata.language_info = { name: 'typescript', version: '3.7.2', mimetype: 'text/typescript', file_extension: '.ts', codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true } };
  fs.writeFileSync(file, JSON.stringify(nb, null, 2)); // Lab's own formatting and key order
  // Git compares sizes before it runs a filter, so `status` lists the saved file until it is added;
  // what matters is that no diff and no commit ever carries outputs.
  t.is(git(clone, 'diff', '--', 'notebooks').stdout, '', 'outputs are not a change');
  git(clone, 'add', 'notebooks');
  t.is(git(clone, 'status', '--porcelain', '--', 'notebooks').stdout, '', 'adding the saved file stages nothing');
  nb.cells[0].source = ['# A student\'s note\n'];
  fs.writeFileSync(file, JSON.stringify(nb, null, 2));
  t.regex(git(clone, 'diff', '--', 'notebooks').stdout, /^\+ +"# A student's note\\n"$/m, 'an edit is a change, and only the edit');
  t.notRegex(git(clone, 'diff', '--', 'notebooks').stdout, /a result/);
});
