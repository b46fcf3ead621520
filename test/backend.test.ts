// Backend selection, as `npx at-odds backend` reports it.
import test from 'ava';
import * as fs from 'fs';
import { atOdds, ROOT } from './helpers/cli';
import { nodeCan } from '../lib/setup/shell';
import { cpuFlags, cpuPlan } from '../lib/backend/cpu';

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
  // On tfjs-node it also says what TensorFlow's CPU kernels use, and why.
  if (nodeLoads) t.regex(r.stdout, /^TensorFlow CPU kernels: CPU .*; oneDNN (on|off) \(.+\); .*threads/m);
  // And how training and attack steps run: as graphs, unless the user turns that off.
  if (nodeLoads) {
    t.regex(r.stdout, /^Training and attack steps: one TensorFlow graph each/m);
    t.regex(atOdds(['backend'], { AT_ODDS_BACKEND: '', AT_ODDS_GRAPHS: '0' }).stdout, /^Training and attack steps: op by op/m);
  }
});

test('oneDNN: on where the CPU has AVX2, TensorFlow left alone where it decides itself, the user\'s setting always', (t) => {
  const avx2 = ['sse4_2', 'avx', 'avx2', 'fma'];
  // An AVX2 CPU (most laptops, the AMD EPYC of issue #20): TensorFlow would leave oneDNN off; we turn it on.
  const a = cpuPlan(avx2, 4, {});
  t.deepEqual(a.env, { TF_ENABLE_ONEDNN_OPTS: '1' });
  t.true(a.onednn.on);
  t.deepEqual(a.flags, ['avx2', 'fma']);
  t.regex(a.summary, /^CPU avx2 fma; oneDNN on \(turned on: the CPU has AVX2.*\); TensorFlow's default threads \(all 4 cores\)$/);
  // AVX-512 VNNI (or BF16, AMX): TensorFlow's own default is on; nothing to set.
  const v = cpuPlan([...avx2, 'avx512f', 'avx512_vnni'], 2, {});
  t.deepEqual(v.env, {});
  t.true(v.onednn.on);
  t.regex(v.onednn.why, /TensorFlow's default where the CPU has avx512_vnni/);
  // The user's choice stands, either way.
  for (const [value, on] of [['0', false], ['1', true], ['false', false]] as const) {
    const u = cpuPlan(avx2, 4, { TF_ENABLE_ONEDNN_OPTS: value });
    t.deepEqual(u.env, {});
    t.is(u.onednn.on, on);
    t.regex(u.onednn.why, new RegExp(`TF_ENABLE_ONEDNN_OPTS=${value} set by the user`));
  }
  // No AVX2 (an old CPU), or flags unknown (not Linux): TensorFlow's default, nothing set.
  t.deepEqual(cpuPlan(['sse4_2', 'avx'], 2, {}).env, {});
  t.regex(cpuPlan(['sse4_2', 'avx'], 2, {}).summary, /^CPU without AVX2; oneDNN off \(no AVX2/);
  const unknown = cpuPlan(null, 8, {});
  t.deepEqual([unknown.env, unknown.flags, unknown.onednn.on], [{}, null, false]);
  t.regex(unknown.summary, /^CPU flags unknown; oneDNN off/);
  t.regex(cpuPlan(avx2, 4, { TF_NUM_INTRAOP_THREADS: '3' }).summary, /TF_NUM_INTRAOP_THREADS=3 set by the user$/);
});

test('the CPU flags are read from /proc/cpuinfo where there is one', (t) => {
  const flags = cpuFlags();
  if (!fs.existsSync('/proc/cpuinfo')) {
    t.is(flags, null);
    return;
  }
  t.true(Array.isArray(flags) && flags.length > 0 && flags.every((f) => /^[a-z0-9_.]+$/.test(f)), String(flags));
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
