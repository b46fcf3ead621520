// wasm's convolution filters looked up by value (lib/backend/packed-filters.ts): equal values share one
// kept tensor, anything else does not, the cache stays within its bytes, and an attack's pattern (a new
// tensor of the same filter at every step) gives the same answers as the cpu kernels.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import { PackedFilters, packedFilters } from '../lib/backend/packed-filters';
import { registerTrainingKernels } from '../lib/backend/training-kernels';
import { maxRelativeError } from './helpers/numeric';

function seeded(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 32 - 0.5;
  }
  return v;
}

const SHAPE = [3, 3, 8, 8] as const; // 576 values: the lookup samples every 9th

async function onWasm(): Promise<KernelBackend> {
  registerTrainingKernels('wasm');
  await tf.setBackend('wasm');
  return tf.backend();
}

test.serial('equal filters share one kept tensor; a filter that differs in one unsampled value gets its own', async (t) => {
  const backend = await onWasm();
  const cache = new PackedFilters(backend as never);
  const values = seeded(576, 1);
  const a = tf.tensor4d(values, [...SHAPE]);
  const b = tf.tensor4d(values.slice(), [...SHAPE]);
  t.not(a.dataId, b.dataId);
  const kept = cache.kept(a);
  t.is(cache.kept(b).dataId, kept.dataId);
  t.deepEqual(backend.readSync(kept.dataId), values);
  // Value 1 is not among the sampled ones: the same key, so only the whole comparison tells them apart.
  const changed = values.slice();
  changed[1] += 0.25;
  const c = tf.tensor4d(changed, [...SHAPE]);
  const keptC = cache.kept(c);
  t.not(keptC.dataId, kept.dataId);
  t.deepEqual(backend.readSync(keptC.dataId), changed);
  // +0 and -0 are equal numbers but not the same filter bits.
  const zeros = tf.zeros([...SHAPE]);
  const negative = tf.neg(zeros);
  t.not(cache.kept(negative).dataId, cache.kept(zeros).dataId);
  // Made once per value: the second equal filter finds the first one's.
  let made = 0;
  const maker = backend as unknown as { makeOutput(shape: number[], dtype: 'float32', at: undefined, values: Float32Array): TensorInfo };
  const make = (k: TensorInfo) => { made++; return maker.makeOutput(k.shape, 'float32', undefined, new Float32Array(576)); };
  const first = cache.derived(a, 'negated', make);
  const second = cache.derived(b, 'negated', make);
  t.is(made, 1);
  t.is(second.dataId, first.dataId);
  cache.clear();
  tf.dispose([a, b, c, zeros, negative]);
});

test.serial('the cache keeps no more bytes than its limit and frees what it drops', async (t) => {
  const backend = await onWasm();
  const one = 576 * 4;
  const cache = new PackedFilters(backend as never, 3 * one);
  const buffers = () => backend.numDataIds();
  const before = buffers();
  const filters = Array.from({ length: 10 }, (_, i) => tf.tensor4d(seeded(576, 100 + i), [...SHAPE]));
  const ids = filters.map((f) => cache.kept(f).dataId);
  t.is(new Set(ids).size, 10);
  t.true(cache.bytes <= 3 * one, `${cache.bytes} bytes kept`);
  t.is(buffers() - before, 10 + 3);
  // The newest are kept, the oldest were freed: looking one up again copies it anew.
  t.is(cache.kept(filters[9]).dataId, ids[9]);
  t.not(cache.kept(filters[0]).dataId, ids[0]);
  cache.clear();
  t.is(cache.bytes, 0);
  t.is(buffers() - before, 10);
  tf.dispose(filters);
});

test.serial('an attack\'s pattern on wasm: a new tensor of the same folded filter at every step gives the cpu answers, and one kept copy', async (t) => {
  const x = seeded(2 * 6 * 6 * 8, 7);
  const w = seeded(576, 8);
  const r = seeded(2 * 6 * 6 * 8, 9);
  /** The output and input gradient of conv(x, w * a), with w * a made anew `steps` times, as each PGD step folds batch norm. */
  const run = (scale: number, steps: number) => tf.tidy(() => {
    const xs = tf.tensor4d(x, [2, 6, 6, 8]);
    const ws = tf.tensor4d(w, [...SHAPE]);
    const a = tf.fill([8], scale);
    const out: { y: Float32Array; g: Float32Array }[] = [];
    for (let s = 0; s < steps; s++) {
      const f = (xi: tf.Tensor4D) => tf.conv2d(xi, tf.mul(ws, a) as tf.Tensor4D, 1, 'same');
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor4D), tf.tensor4d(r, [2, 6, 6, 8]))))(xs);
      out.push({ y: f(xs).dataSync() as Float32Array, g: g.dataSync() as Float32Array });
    }
    return out;
  });
  registerTrainingKernels('cpu');
  await tf.setBackend('cpu');
  const want = [run(1.5, 1)[0], run(-0.75, 1)[0]];
  const backend = await onWasm();
  const cache = packedFilters(backend);
  const bytesBefore = cache.bytes;
  const steps = run(1.5, 4);
  // The filter and its flipped copy for the input gradient: kept once, not once a step.
  t.is(cache.bytes - bytesBefore, 2 * 576 * 4);
  for (const s of steps) {
    t.deepEqual(s.y, steps[0].y);
    t.deepEqual(s.g, steps[0].g);
  }
  t.true(maxRelativeError(steps[0].y, want[0].y) < 1e-5);
  t.true(maxRelativeError(steps[0].g, want[0].g) < 1e-5);
  // Another filter value is another filter: its answers are its own.
  const other = run(-0.75, 2);
  t.true(maxRelativeError(other[1].y, want[1].y) < 1e-5);
  t.true(maxRelativeError(other[1].g, want[1].g) < 1e-5);
  t.true(maxRelativeError(other[1].g, want[0].g) > 0.5);
});
