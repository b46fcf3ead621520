// TensorFlow.js in the page: wasm (XNNPACK) with at-odds' training kernels, which PGD's backward pass
// needs, where the browser runs SIMD wasm; else the pure JavaScript cpu backend with the same kernels.
// The binary comes inlined, so a handout opened from file:// fetches nothing.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '../backend/training-kernels';
import type { Packed } from './data';
import { unpack } from './unpack';

let started: Promise<string> | undefined;

/**
 * Starts the backend once per page (or worker) and says which ('wasm' or 'cpu'). `noWasm`: the page
 * has no WebAssembly, so a worker it starts should not use its own either (as in a browser without it).
 */
export function startBackend(wasm: Packed, noWasm = false): Promise<string> {
  started ??= (async () => {
    if (!noWasm && typeof WebAssembly !== 'undefined') {
      try {
        const url = URL.createObjectURL(new Blob([await unpack(wasm)], { type: 'application/wasm' }));
        // Threads need a cross-origin-isolated page, which a file:// handout is not; without SIMD the
        // binary does not instantiate and we fall back to cpu.
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        setWasmPaths({ 'tfjs-backend-wasm.wasm': url, 'tfjs-backend-wasm-simd.wasm': url, 'tfjs-backend-wasm-threaded-simd.wasm': url });
        registerTrainingKernels('wasm');
        if (await tf.setBackend('wasm')) return 'wasm';
      } catch (e) {
        console.warn('at-odds: wasm backend unavailable, using cpu:', e);
      }
    }
    registerTrainingKernels('cpu');
    await tf.setBackend('cpu');
    return 'cpu';
  })();
  return started;
}
