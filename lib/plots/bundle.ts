// The page's JavaScript: lib/live/explorer-page.ts or theory-page.ts and the library code they import
// (PGD, threat models, our layers, the training kernels, Section 2's closed forms), compiled for the browser by esbuild when a notebook first asks for it.
import * as fs from 'fs';
import * as path from 'path';
import { pack } from './pack';
import type { Packed } from '../live/data';

const ROOT = path.resolve(__dirname, '..', '..');

const built = new Map<string, Promise<Packed>>();

/**
 * A page's bundle, minified and packed, built once per process: 'explorer' (the page's drawing code,
 * carrying its worker's TensorFlow.js, PGD and our layers: about 0.3 MB of a page) or 'theory' (Section 2's closed forms and figures: a few kB).
 */
export function liveBundle(entry: 'explorer' | 'theory' = 'explorer'): Promise<Packed> {
  const cached = built.get(entry);
  if (cached) return cached;
  const promise = (async () => {
    const esbuild = await import('esbuild');
    const build = (file: string, alias: string, define?: Record<string, string>) => esbuild.build({
      entryPoints: [path.join(ROOT, 'lib', 'live', file)],
      bundle: true, minify: true, format: 'iife', platform: 'browser', target: 'es2020', write: false,
      absWorkingDir: ROOT,
      alias: { '@tensorflow/tfjs': alias }, define,
      logLevel: 'silent', legalComments: 'none',
    });
    if (entry === 'theory') return pack((await build('theory-page.ts', './lib/live/tfjs.ts')).outputFiles[0].contents);
    // The explorer computes in a Web Worker (lib/live/worker.ts), which needs core, layers and the cpu
    // backend, not the whole of @tensorflow/tfjs; the page's own code only draws, and carries the
    // worker's code as text, from which it makes the worker (and, where none can start, runs it itself).
    const worker = (await build('worker-entry.ts', './lib/live/tfjs.ts')).outputFiles[0].text;
    const page = await build('explorer-page.ts', './lib/live/no-tfjs.ts', { AT_ODDS_WORKER_SOURCE: JSON.stringify(worker) });
    return pack(page.outputFiles[0].contents);
  })();
  built.set(entry, promise);
  promise.catch(() => built.delete(entry));
  return promise;
}

/**
 * A script that turns packed JavaScript into a promise of its evaluation, once per page and key: the
 * loaders of the explorer, the theory figures and plotly.js all go through it.
 */
export const UNPACK_SCRIPT = `window.atOddsUnpack = window.atOddsUnpack || function (key, packed, result) {
  if (!window[key]) {
    if (typeof DecompressionStream === 'undefined') return Promise.reject(new Error('this browser has no DecompressionStream'));
    var bin = atob(packed), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    window[key] = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text()
      .then(function (js) { (0, eval)(js); return result(); });
  }
  return window[key];
};`;

let wasm: Packed | undefined;

/** TensorFlow.js's SIMD wasm binary, packed once per process. */
export function wasmBinary(): Packed {
  wasm ??= pack(fs.readFileSync(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist', 'tfjs-backend-wasm-simd.wasm')));
  return wasm;
}
