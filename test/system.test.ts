// The system packages set-up installs: the list matches what the code needs, on any machine (CI's may
// have everything installed already, so a missing entry must fail here, not only on a bare machine).
import test from 'ava';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CANVAS_PKG_CONFIG, installCommand, setupSystem, systemPackages } from '../lib/setup/system';
import { findChromium } from '../lib/handouts/chromium';
import { ROOT, which } from '../lib/paths';

const binding = fs.readFileSync(path.join(ROOT, 'node_modules', 'canvas', 'binding.gyp'), 'utf8');
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

test('every pkg-config name in node-canvas\'s binding.gyp has its package, and no other', (t) => {
  const asked = new Set([...binding.matchAll(/pkg-config ([\w.+-]+)/g)].map((m) => m[1]));
  t.true(asked.size >= 5, `binding.gyp still asks pkg-config (found ${[...asked].join(', ')})`);
  t.deepEqual([...asked].sort(), Object.keys(CANVAS_PKG_CONFIG).sort());
  const apt = systemPackages().map((p) => p.apt);
  for (const p of Object.values(CANVAS_PKG_CONFIG)) t.true(apt.includes(p.apt), `${p.apt} is installed by set-up`);
  // -lgif has no .pc file: its header comes with libgif-dev.
  t.true(binding.includes('-lgif') && apt.includes('libgif-dev'));
});

test('on Debian, the package named for each pkg-config name is the one that owns its .pc file', (t) => {
  if (!which('dpkg') || !which('pkg-config')) { t.pass('not a Debian machine'); return; }
  for (const [name, p] of Object.entries(CANVAS_PKG_CONFIG)) {
    const dir = sh('pkg-config', ['--variable=pcfiledir', name]);
    if (dir.status !== 0) { t.log(`${name}: not installed here`); continue; }
    const owner = sh('dpkg', ['-S', fs.realpathSync(path.join(dir.stdout.trim(), `${name}.pc`))]).stdout.split(':')[0];
    // libjpeg-dev is Debian's name for whichever libjpeg is current (libjpeg62-turbo-dev): it depends on the owner.
    const depends = sh('dpkg-query', ['-W', '-f=${Depends}', p.apt]).stdout;
    t.true(owner === p.apt || depends.split(/[,|]/).map((d) => d.trim().split(' ')[0]).includes(owner), `${name}.pc belongs to ${owner}, set-up installs ${p.apt}`);
  }
});

test('the Chromium that set-up installs is the one the handouts find', (t) => {
  const chromium = findChromium();
  if (!chromium || !which('dpkg')) { t.pass('no Chromium here, or not Debian'); return; }
  const owner = sh('dpkg', ['-S', chromium]).stdout.split(':')[0];
  t.is(owner, systemPackages().find((p) => p.why.includes('Chromium'))!.apt);
});

test('a missing package that set-up may not install stops it with the command that would', (t) => {
  const saved = { ...process.env };
  process.env.AT_ODDS_CHROMIUM = '/nonexistent/chrome';
  process.env.AT_ODDS_NO_SYSTEM_INSTALL = '1';
  try {
    const err = t.throws(() => setupSystem());
    t.regex(err!.message, /set-up step "system packages" failed: AT_ODDS_NO_SYSTEM_INSTALL=1 says not to install/);
    t.regex(err!.message, /chromium: headless Chromium prints the handouts/);
    if (which('apt-get')) t.regex(err!.message, /sudo apt-get update && sudo apt-get install -y (\S+ )*chromium/);
  } finally {
    process.env = saved;
  }
});

test('where apt is not the package manager, the message names that manager\'s packages', (t) => {
  const all = systemPackages();
  t.is(installCommand('dnf', all.filter((p) => ['libcairo2-dev', 'chromium'].includes(p.apt))), 'sudo dnf install -y cairo-devel chromium');
  t.is(installCommand('brew', all.filter((p) => ['build-essential', 'libpango1.0-dev', 'chromium'].includes(p.apt))),
    'xcode-select --install && brew install pango && brew install --cask chromium');
});

test('with everything present, set-up installs nothing', (t) => {
  const missing = systemPackages().filter((p) => !p.present());
  if (missing.length) { t.pass(`missing here: ${missing.map((p) => p.apt).join(', ')} (npm run setup installs them)`); return; }
  const lines: string[] = [];
  const log = console.log;
  console.log = (m: string) => lines.push(m);
  try { setupSystem(); } finally { console.log = log; }
  t.deepEqual(lines, ['[setup] system packages: all present']);
});
