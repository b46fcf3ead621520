// `npm run setup`: everything the notebooks need, installed inside the project. Idempotent.
import { setupJupyter } from './jupyter';
import { setupNativeAddons } from './native';
import { setupTfjsNode } from './tfjs-node';
import { log } from './shell';
import { setupGitFilter } from './git';
import { setupSystem } from './system';
import { findChromium } from '../handouts/chromium';

export function setup(): void {
  const started = Date.now();
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) throw new Error(`at-odds needs Node >= 20, this is ${process.version}`);
  setupSystem();
  setupNativeAddons();
  setupJupyter();
  setupTfjsNode();
  setupGitFilter();
  const chromium = findChromium();
  log(chromium ? `chromium: ${chromium} (handouts get a PDF)` : 'chromium: not found, so handouts get HTML only (Debian: apt-get install chromium)');
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
