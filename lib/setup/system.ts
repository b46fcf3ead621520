// The system packages that at-odds needs and cannot install inside the project: a C++ toolchain, Python's
// venv, the headers node-canvas compiles against, Chromium, poppler. Set-up installs what is missing
// (apt-get as root, or through `sudo -n`), one line each saying why, and otherwise stops before any other
// work with the one command to run.
import * as fs from 'fs';
import { findChromium } from '../handouts/chromium';
import { ROOT, which } from '../paths';
import { log, nodeCan, run, SetupError } from './shell';

export type PackageManager = 'apt' | 'dnf' | 'brew';

export interface SystemPackage {
  /** Debian's name, the one set-up installs. */
  apt: string;
  /** Fedora's and Homebrew's names, for the message where set-up does not install (null: nothing to install there). */
  dnf: string | null;
  brew: string | null;
  why: string;
  present: () => boolean;
}

const pkgConfig = (name: string) => () => run('pkg-config', ['--exists', name]).ok;

/**
 * node-canvas's binding.gyp asks pkg-config for these names (and links -lgif, which has no .pc file):
 * test/system.test.ts reads the binding and checks that each name is here, and on Debian that the
 * package named here is the one that owns the name's .pc file.
 */
export const CANVAS_PKG_CONFIG: Record<string, { apt: string; dnf: string; brew: string }> = {
  'pixman-1': { apt: 'libpixman-1-dev', dnf: 'pixman-devel', brew: 'pixman' },
  cairo: { apt: 'libcairo2-dev', dnf: 'cairo-devel', brew: 'cairo' },
  libpng: { apt: 'libpng-dev', dnf: 'libpng-devel', brew: 'libpng' },
  pangocairo: { apt: 'libpango1.0-dev', dnf: 'pango-devel', brew: 'pango' },
  freetype2: { apt: 'libfreetype-dev', dnf: 'freetype-devel', brew: 'freetype' },
  libjpeg: { apt: 'libjpeg-dev', dnf: 'libjpeg-turbo-devel', brew: 'jpeg' },
  'librsvg-2.0': { apt: 'librsvg2-dev', dnf: 'librsvg2-devel', brew: 'librsvg' },
};

const GIF_HEADERS = ['/usr/include/gif_lib.h', '/usr/local/include/gif_lib.h', '/opt/homebrew/include/gif_lib.h'];

/** Whether node-canvas loads as it is (built before, or a prebuilt binary): then its headers are not needed. */
const canvasLoads = () => nodeCan("require('canvas')", ROOT);

export function systemPackages(): SystemPackage[] {
  const canvasReady = canvasLoads();
  const forCanvas = (present: () => boolean) => () => canvasReady || present();
  return [
    { apt: 'build-essential', dnf: 'gcc-c++ make', brew: null, why: 'a C++ compiler and make: node-gyp builds the native addons (tfjs-node, canvas, zeromq)', present: () => !!which('g++') && !!which('make') },
    { apt: 'python3-venv', dnf: 'python3', brew: 'python', why: 'Python\'s venv and ensurepip: Jupyter goes into .venv', present: () => run(process.env.AT_ODDS_PYTHON ?? 'python3', ['-c', 'import venv, ensurepip']).ok },
    { apt: 'pkg-config', dnf: 'pkgconf-pkg-config', brew: 'pkg-config', why: 'node-canvas finds Cairo and Pango through pkg-config', present: forCanvas(() => !!which('pkg-config')) },
    ...Object.entries(CANVAS_PKG_CONFIG).map(([name, p]) => ({
      ...p, why: `node-canvas compiles against its headers (pkg-config ${name})`, present: forCanvas(() => !!which('pkg-config') && pkgConfig(name)()),
    })),
    { apt: 'libgif-dev', dnf: 'giflib-devel', brew: 'giflib', why: 'node-canvas compiles against gif_lib.h where libgif is installed', present: forCanvas(() => GIF_HEADERS.some((h) => fs.existsSync(h))) },
    { apt: 'chromium', dnf: 'chromium', brew: '--cask chromium', why: 'headless Chromium prints the handouts to PDF and runs the browser tests', present: () => !!findChromium() },
    { apt: 'poppler-utils', dnf: 'poppler-utils', brew: 'poppler', why: 'pdftotext, pdfinfo and pdftoppm: the tests read what the printed handouts hold, and how full their pages are', present: () => !!which('pdftotext') && !!which('pdfinfo') && !!which('pdftoppm') },
  ];
}

export function packageManager(): PackageManager | null {
  if (which('apt-get') && which('dpkg')) return 'apt';
  if (which('dnf')) return 'dnf';
  if (which('brew')) return 'brew';
  return null;
}

/** The command a person would type to install `missing`, for this machine's package manager. */
export function installCommand(manager: PackageManager | null, missing: SystemPackage[]): string {
  if (manager === 'dnf') return `sudo dnf install -y ${missing.map((p) => p.dnf).filter(Boolean).join(' ')}`;
  if (manager === 'brew') {
    const names = missing.map((p) => p.brew).filter(Boolean) as string[];
    const casks = names.filter((n) => n.startsWith('--cask')).map((n) => n.replace('--cask ', ''));
    const formulae = names.filter((n) => !n.startsWith('--cask'));
    const toolchain = missing.some((p) => p.apt === 'build-essential') ? ['xcode-select --install'] : [];
    return [...toolchain, formulae.length ? `brew install ${formulae.join(' ')}` : '', casks.length ? `brew install --cask ${casks.join(' ')}` : ''].filter(Boolean).join(' && ');
  }
  return `sudo apt-get update && sudo apt-get install -y ${missing.map((p) => p.apt).join(' ')}`;
}

/** How set-up may install: as root, through passwordless sudo, or not at all. */
function privilege(): string[] | null {
  if (process.getuid?.() === 0) return [];
  if (which('sudo') && run('sudo', ['-n', 'true']).ok) return ['sudo', '-n'];
  return null;
}

/**
 * Installs the system packages that are missing, or stops with the command that would. Nothing is
 * installed where everything is present, nor where AT_ODDS_NO_SYSTEM_INSTALL=1 (then it only says what is missing).
 */
export function setupSystem(): void {
  const missing = systemPackages().filter((p) => !p.present());
  if (missing.length === 0) {
    log('system packages: all present');
    return;
  }
  const manager = packageManager();
  const prefix = privilege();
  const refuse = (reason: string) => new SetupError('system packages', `${reason}; missing:\n${missing.map((p) => `  ${p.apt}: ${p.why}`).join('\n')}`,
    `install them, then run the command again:\n  ${installCommand(manager, missing)}`);
  if (process.env.AT_ODDS_NO_SYSTEM_INSTALL === '1') throw refuse('AT_ODDS_NO_SYSTEM_INSTALL=1 says not to install system packages');
  if (manager !== 'apt') throw refuse(`set-up installs system packages only with apt-get${manager ? `, and this machine has ${manager}` : ''}`);
  if (!prefix) throw refuse('set-up is not root and has no passwordless sudo');
  for (const p of missing) log(`system packages: installing ${p.apt}: ${p.why}`);
  const [cmd, ...pre] = [...prefix, 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const started = Date.now();
  const update = run(cmd, [...pre, 'update', '-q'], { env, timeoutMs: 600_000 });
  if (!update.ok) throw new SetupError('system packages', `apt-get update failed:\n${update.output}`, `check that apt reaches its package sources, then: ${installCommand('apt', missing)}`);
  const install = run(cmd, [...pre, 'install', '-y', '-q', ...missing.map((p) => p.apt)], { env, timeoutMs: 1_800_000 });
  if (!install.ok) throw new SetupError('system packages', `apt-get install failed:\n${install.output}`, installCommand('apt', missing));
  const still = missing.filter((p) => !p.present());
  if (still.length) {
    throw new SetupError('system packages', `installed, yet still missing: ${still.map((p) => p.apt).join(', ')}`, 'see what apt-get printed with: ' + installCommand('apt', still));
  }
  log(`system packages: ${missing.length} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
