// Our wasm and cpu training kernels against the reference kernels: TensorFlow's own (tfjs-node,
// when set up, with our ReluGrad routing) and the stock pure-JS cpu kernels, on a small conv net's gradients.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '../lib/backend/training-kernels';
import { registerNodeKernels } from '../lib/backend/node-kernels';
import { maxRelativeError } from './helpers/numeric';

type Arrays = Record<string, { shape: number[]; values: Float32Array }>;

function seeded(shape: number[], seed: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = s / 2 ** 32 - 0.5;
  }
  return { shape, values };
}

const INPUTS: Arrays = {
  x: seeded([3, 11, 10, 2], 1),
  w1: seeded([3, 3, 2, 4], 2), // 'same', stride 1
  w2: seeded([3, 2, 4, 5], 3), // 'valid', stride 2, odd sizes: the last row and column go unused
  w3: seeded([5, 2, 5, 3], 4), // 'same', stride [2, 3]
  wd: seeded([3 * 2 * 3, 7], 5),
};

/** Gradients of a scalar loss with respect to the input and every weight. */
async function gradsOn(backend: string): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const names = Object.keys(INPUTS);
  const tensors = names.map((k) => tf.tensor(INPUTS[k].values, INPUTS[k].shape));
  const loss = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor, wd: tf.Tensor) => {
    let h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
    h = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'valid');
    h = tf.tanh(tf.conv2d(h, w3 as tf.Tensor4D, [2, 3], 'same'));
    const logits = tf.matMul(h.reshape([3, -1]), wd as tf.Tensor2D);
    return tf.losses.softmaxCrossEntropy(tf.oneHot([0, 3, 6], 7), logits);
  };
  const gs = tf.grads(loss as (...t: tf.Tensor[]) => tf.Tensor)(tensors);
  const out: Record<string, Float32Array> = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = (await gs[i].data()) as Float32Array;
  tf.dispose([...gs, ...tensors]);
  return out;
}

test.serial('wasm and cpu training kernels match the reference kernels on conv-net gradients', async (t) => {
  const references: Record<string, Record<string, Float32Array>> = { 'stock cpu': await gradsOn('cpu') };
  try {
    require('@tensorflow/tfjs-node');
    // With TensorFlow's fused ReluGrad in place of tfjs's composite: it must agree too.
    registerNodeKernels();
    references.tensorflow = await gradsOn('tensorflow');
  } catch {
    t.log('tfjs-node is not built here: comparing with the stock cpu kernels only');
  }
  registerTrainingKernels('cpu');
  registerTrainingKernels('wasm');
  const ours = { cpu: await gradsOn('cpu'), wasm: await gradsOn('wasm') };
  for (const [refName, ref] of Object.entries(references)) {
    for (const [backend, grads] of Object.entries(ours)) {
      for (const k of Object.keys(INPUTS)) {
        t.is(grads[k].length, ref[k].length);
        const err = maxRelativeError(grads[k], ref[k]);
        t.true(err < 1e-5, `${backend} d/d${k} vs ${refName}: relative error ${err}`);
      }
    }
  }
  // The check has teeth: the gradients are not all zero.
  t.true(Math.max(...ours.wasm.w1.map(Math.abs)) > 1e-4);
});

test.serial('max-pool gradients go to the first of tied inputs on every backend, as TensorFlow sends them', async (t) => {
  // A digit's black background: after a convolution with a bias and a ReLU, every window is a tie.
  // 2x2 windows at stride 2, and 3x3 at stride 2 with 'same' padding (windows overlap).
  const input = Float32Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => (i % 7 === 0 ? 1 : 0.5));
  const grads = async (backend: string) => {
    await tf.setBackend(backend);
    const x = tf.tensor4d(input, [2, 6, 6, 2]);
    const f = (xi: tf.Tensor) => tf.add(tf.sum(tf.mul(tf.maxPool(xi as tf.Tensor4D, 2, 2, 'valid'), tf.range(1, 2 * 3 * 3 * 2 + 1).reshape([2, 3, 3, 2]))),
      tf.sum(tf.maxPool(xi as tf.Tensor4D, 3, 2, 'same')));
    const g = tf.grad(f)(x);
    const out = Array.from(await g.data());
    tf.dispose([x, g]);
    return out;
  };
  registerTrainingKernels('cpu');
  registerTrainingKernels('wasm');
  const cpu = await grads('cpu');
  t.deepEqual(await grads('wasm'), cpu);
  try {
    require('@tensorflow/tfjs-node');
    t.deepEqual(await grads('tensorflow'), cpu);
  } catch {
    t.log('tfjs-node is not built here: comparing wasm with cpu only');
  }
  // All ties: each 2x2 window's gradient goes to its top-left input, and to no other.
  await tf.setBackend('wasm');
  const flat = tf.ones([1, 4, 4, 1]);
  const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.maxPool(xi as tf.Tensor4D, 2, 2, 'valid')))(flat);
  t.deepEqual(Array.from(await g.data()), [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  tf.dispose([flat, g]);
});

test.serial('wasm\'s broadcasting Equal and the global max-pool gradient built on it give the cpu answers', async (t) => {
  registerTrainingKernels('cpu');
  registerTrainingKernels('wasm');
  // NaN equals nothing, -0 equals 0; a few values of a repeat those of b so that some comparisons hold.
  const a = seeded([2, 3, 4, 5], 11).values.map((v, i) => (i % 7 === 0 ? 0.25 : i % 11 === 0 ? NaN : i % 13 === 0 ? -0 : v));
  const pairs: [number[], number[]][] = [[[2, 3, 4, 5], [2, 1, 1, 5]], [[2, 3, 4, 5], [5]], [[2, 3, 4, 5], []], [[3, 1], [1, 4]], [[2, 1, 4, 1], [3, 1, 5]]];
  const on = async (backend: string) => {
    await tf.setBackend(backend);
    const out: number[][] = [];
    for (const [sa, sb] of pairs) {
      const n = (s: number[]) => s.reduce((p, q) => p * q, 1);
      const x = tf.tensor(a.slice(0, n(sa)), sa);
      const y = tf.tensor(Array.from({ length: n(sb) }, (_, i) => (i % 2 === 0 ? 0.25 : i % 3 === 0 ? NaN : i === 1 ? 0 : a[i])), sb);
      const e = tf.equal(x, y);
      t.deepEqual(e.shape, tf.backend_util.assertAndGetBroadcastShape(sa, sb));
      t.is(e.dtype, 'bool');
      out.push(Array.from(await e.data()));
      tf.dispose([x, y, e]);
    }
    // A global max-pool with ties: the gradient goes to every tied maximum, as tf.max's does.
    const x = tf.tensor4d(a.map((v, i) => (Number.isNaN(v) ? 0 : i % 5 === 0 ? 0.5 : v)), [2, 3, 4, 5]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.max(v, [1, 2]), tf.range(1, 11).reshape([2, 5]))))(x);
    out.push(Array.from(await g.data()));
    tf.dispose([x, g]);
    return out;
  };
  const cpu = await on('cpu');
  const wasm = await on('wasm');
  t.deepEqual(wasm, cpu);
  t.true(cpu[0].some((v) => v === 1) && cpu[0].some((v) => v === 0), 'some values are equal, some not');
  t.true(cpu[pairs.length].filter((v) => v !== 0).length > 10, 'the gradient reaches the maxima');
});

test.serial('training kernels leak no tensors', async (t) => {
  registerTrainingKernels('wasm');
  await tf.setBackend('wasm');
  const x = tf.tensor(INPUTS.x.values, INPUTS.x.shape as [number, number, number, number]);
  const w = tf.tensor(INPUTS.w1.values, INPUTS.w1.shape as [number, number, number, number]);
  const before = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([x, w]);
  tf.dispose(g);
  t.is(tf.memory().numTensors, before);
  t.is(tf.memory().numBytes, bytesBefore);
  tf.dispose([x, w]);
});

test('a backend that is not registered is a clear error', (t) => {
  t.throws(() => registerTrainingKernels('tpu' as 'cpu'), { message: /backend 'tpu' is not registered/ });
});
