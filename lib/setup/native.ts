// Native addons that npm installs without running their build scripts (.npmrc: ignore-scripts),
// so that one failing download cannot abort the whole install: we build each one here.
import { ROOT } from '../paths';
import { gypEnv, log, nodeCan, run, SetupError } from './shell';

interface Addon { pkg: string; fix: string }

const ADDONS: Addon[] = [
  { pkg: 'zeromq', fix: 'install a C++ toolchain (Debian: apt-get install build-essential)' },
  {
    pkg: 'canvas',
    fix: 'install the Cairo and Pango headers (Debian: apt-get install libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev)',
  },
];

export function setupNativeAddons(): void {
  for (const { pkg, fix } of ADDONS) {
    if (nodeCan(`require(${JSON.stringify(pkg)})`, ROOT)) {
      log(`${pkg}: ready`);
      continue;
    }
    log(`${pkg}: building the native addon`);
    const r = run('npm', ['rebuild', pkg, '--ignore-scripts=false'], { cwd: ROOT, env: gypEnv() });
    if (!r.ok || !nodeCan(`require(${JSON.stringify(pkg)})`, ROOT)) {
      throw new SetupError(pkg, `the native addon did not build:\n${r.output}`, fix);
    }
  }
}
