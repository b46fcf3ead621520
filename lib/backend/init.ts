// Chooses the fastest TensorFlow.js backend that works on this machine, once per process.
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from './training-kernels';
import { registerNodeKernels } from './node-kernels';
import { installGraphs } from './graphs';
import { applyCpuPlan, CpuPlan } from './cpu';

export const BACKENDS = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  /** Our name for it, as AT_ODDS_BACKEND takes it. */
  name: BackendName;
  /** What TensorFlow.js calls it (tf.getBackend()). */
  tfName: string;
  /** One line a person can read: what it is and why it was picked. */
  reason: string;
  /** For tfjs-node: what TensorFlow's CPU kernels were set to use, and why. */
  cpu?: CpuPlan;
}

const DESCRIPTION: Record<BackendName, string> = {
  'node-gpu': 'tfjs-node-gpu (TensorFlow C library with CUDA)',
  node: 'tfjs-node (TensorFlow C library)',
  wasm: 'wasm (XNNPACK, with at-odds training kernels)',
  cpu: 'cpu (pure JavaScript, with at-odds training kernels)',
};

function cudaDevicePresent(): boolean {
  return process.env.CUDA_VISIBLE_DEVICES !== '' && fs.existsSync('/dev/nvidia0');
}

/** Tries one backend; returns null on success or a short reason for failure. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    switch (name) {
      case 'node-gpu':
        if (!cudaDevicePresent()) return 'no CUDA device';
        process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
        require('@tensorflow/tfjs-node-gpu');
        registerNodeKernels();
        break;
      case 'node':
        // TensorFlow's C++ logging would otherwise fill every notebook with INFO lines.
        process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
        // Read once, as the native library loads: set before the require.
        cpuPlan = applyCpuPlan();
        require('@tensorflow/tfjs-node');
        registerNodeKernels();
        installGraphs();
        break;
      case 'wasm':
        require('@tensorflow/tfjs-backend-wasm');
        registerTrainingKernels('wasm');
        break;
      case 'cpu':
        registerTrainingKernels('cpu');
        break;
    }
    const tfName = name === 'node' || name === 'node-gpu' ? 'tensorflow' : name;
    if (!(await tf.setBackend(tfName))) return `tf.setBackend('${tfName}') failed`;
    await tf.ready();
    return null;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return /Cannot find module/.test(msg) ? 'not installed' : msg;
  }
}

let chosen: Promise<BackendChoice> | undefined;
let cpuPlan: CpuPlan | undefined;

/**
 * Picks and starts the backend: tfjs-node-gpu where a CUDA GPU works, then tfjs-node, then wasm,
 * then cpu. `AT_ODDS_BACKEND=node-gpu|node|wasm|cpu` forces one, and fails if it cannot start.
 * Prints the choice once per process unless `quiet`.
 */
export function initBackend(opts: { quiet?: boolean } = {}): Promise<BackendChoice> {
  chosen ??= choose().then((c) => {
    if (!opts.quiet) console.log(`at-odds backend: ${DESCRIPTION[c.name]} (${c.reason})`);
    return c;
  });
  return chosen;
}

async function choose(): Promise<BackendChoice> {
  const forced = process.env.AT_ODDS_BACKEND;
  if (forced) {
    if (!(BACKENDS as readonly string[]).includes(forced)) {
      throw new Error(`AT_ODDS_BACKEND=${forced} is not a backend: use one of ${BACKENDS.join(', ')}`);
    }
    const name = forced as BackendName;
    const failure = await tryBackend(name);
    if (failure) throw new Error(`AT_ODDS_BACKEND=${name} cannot start: ${failure}. Run \`npm run setup\`, or unset AT_ODDS_BACKEND`);
    return { name, tfName: tf.getBackend(), reason: `forced by AT_ODDS_BACKEND=${name}`, ...(name === 'node' ? { cpu: cpuPlan } : {}) };
  }
  const skipped: string[] = [];
  for (const name of BACKENDS) {
    const failure = await tryBackend(name);
    if (failure == null) {
      const reason = skipped.length ? `fastest available; skipped ${skipped.join('; ')}` : 'fastest available';
      return { name, tfName: tf.getBackend(), reason, ...(name === 'node' ? { cpu: cpuPlan } : {}) };
    }
    skipped.push(`${name}: ${failure}`);
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.join('; ')}`);
}

/** A human description of a backend, as `npx at-odds backend` prints it. */
export function describeBackend(name: BackendName): string {
  return DESCRIPTION[name];
}
