// Backend selection, as `npx at-odds backend` reports it.
import test from 'ava';
import * as fs from 'fs';
import { atOdds, ROOT } from './helpers/cli';
import { nodeCan } from '../lib/setup/shell';

test('the backend is the fastest that starts, and says why', (t) => {
  const r = atOdds(['backend'], { AT_ODDS_BACKEND: '' });
  t.is(r.code, 0, r.stderr);
  if (fs.existsSync('/dev/nvidia0')) {
    t.pass('a GPU machine: node-gpu may win');
    return;
  }
  // Without a GPU: tfjs-node wherever its binding loads (set-up builds it), else wasm, saying why.
  const nodeLoads = nodeCan("require('@tensorflow/tfjs-node')", ROOT);
  t.regex(r.stdout, nodeLoads
    ? /^tfjs-node \(TensorFlow C library\): fastest available; skipped node-gpu: no CUDA device$/m
    : /^wasm .*: fastest available; skipped node-gpu: .+; node: .+$/m);
});

test('AT_ODDS_BACKEND forces a backend', (t) => {
  for (const [name, text] of [['wasm', /^wasm \(XNNPACK, with at-odds training kernels\): forced by AT_ODDS_BACKEND=wasm$/m], ['cpu', /^cpu .*forced by AT_ODDS_BACKEND=cpu$/m]] as const) {
    const r = atOdds(['backend'], { AT_ODDS_BACKEND: name });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, text);
  }
});

test('an unknown AT_ODDS_BACKEND is a clear error', (t) => {
  const r = atOdds(['backend'], { AT_ODDS_BACKEND: 'gpu' });
  t.is(r.code, 1);
  t.regex(r.stderr, /AT_ODDS_BACKEND=gpu is not a backend: use one of node-gpu, node, wasm, cpu/);
});
