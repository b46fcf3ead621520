// The page's JavaScript: lib/live/page.ts and the library code it imports (PGD, threat models, our
// layers, the training kernels), compiled for the browser by esbuild when a notebook first asks for it.
import * as fs from 'fs';
import * as path from 'path';
import { pack } from './pack';
import type { Packed } from './data';

const ROOT = path.resolve(__dirname, '..', '..');

let built: Promise<Packed> | undefined;

/** The bundle, minified and packed (about 0.3 MB of a page). Built once per process. */
export function liveBundle(): Promise<Packed> {
  built ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [path.join(ROOT, 'lib', 'live', 'page.ts')],
      bundle: true, minify: true, format: 'iife', platform: 'browser', target: 'es2020', write: false,
      absWorkingDir: ROOT,
      // The page needs core, layers and the cpu backend, not the whole of @tensorflow/tfjs.
      alias: { '@tensorflow/tfjs': './lib/live/tfjs.ts' },
      logLevel: 'silent', legalComments: 'none',
    });
    return pack(result.outputFiles[0].contents);
  })();
  built.catch(() => { built = undefined; });
  return built;
}

/** TensorFlow.js's SIMD wasm binary, packed. */
export function wasmBinary(): Packed {
  const file = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist', 'tfjs-backend-wasm-simd.wasm');
  return pack(fs.readFileSync(file));
}
