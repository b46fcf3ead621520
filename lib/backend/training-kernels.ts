// Training kernels for the wasm and cpu backends.
//
// Stock wasm has no Conv2DBackpropFilter at all, and the stock cpu one is a
// TensorBuffer.get loop (about 1 image/s on the MNIST CNN). Both backends do
// have a fast forward Conv2D (XNNPACK on wasm), so we express the two conv
// gradients as forward convolutions, and transposed matmuls as an explicit
// Transpose followed by the plain matmul that XNNPACK is good at. On wasm every
// convolution's filter is looked up by value first (lib/backend/packed-filters.ts),
// so that an attack's re-folded filters are packed by XNNPACK once, not every step,
// and a broadcasting Equal (a max's gradient) compares in one pass.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { PackedFilters, packedFilters } from './packed-filters';

type Pads = [[number, number], [number, number]]; // [[top, bottom], [left, right]]

/** The stock kernels we build on, looked up once per backend. */
interface Ops {
  backend: KernelBackend;
  run(name: string, inputs: Record<string, TensorInfo>, attrs?: NamedAttrMap): TensorInfo;
  /** Runs `name` and frees the inputs listed in `consumed`, which were our own temporaries. */
  then(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap, consumed: TensorInfo[]): TensorInfo;
  /** A new float32 tensor on this backend, holding `values`. */
  output(shape: number[], values: Float32Array): TensorInfo;
  /** A float32 tensor's values, to read at once (on wasm a view of its heap, which making a tensor may detach). */
  values(t: TensorInfo): Float32Array;
  /** A new bool tensor on this backend, holding `values` (0 or 1). */
  bools(shape: number[], values: Uint8Array): TensorInfo;
  /** wasm: filters by value, so that XNNPACK packs each once (lib/backend/packed-filters.ts); else null. */
  filters: PackedFilters | null;
}

/** The two backends make a tensor from values each in its own way. */
interface Makers {
  makeTensorInfo?(shape: number[], dtype: 'float32' | 'bool', values: Float32Array | Uint8Array): TensorInfo;
  makeOutput?(shape: number[], dtype: 'float32' | 'bool', memoryOffset: undefined, values: Float32Array | Uint8Array): TensorInfo;
  typedArrayFromHeap?(t: TensorInfo): Float32Array;
}

function opsFor(backendName: string, backend: KernelBackend, stock: Map<string, KernelFunc>): Ops {
  const run = (name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo => {
    const fn = stock.get(name) ?? tf.getKernel(name, backendName)?.kernelFunc;
    if (fn == null) throw new Error(`backend '${backendName}' has no ${name} kernel to build training kernels on`);
    return fn({ inputs, attrs, backend }) as TensorInfo;
  };
  const makers = backend as unknown as Makers;
  const wasm = backendName === 'wasm';
  return {
    backend,
    run,
    output: (shape, values) => (wasm ? makers.makeOutput!(shape, 'float32', undefined, values) : makers.makeTensorInfo!(shape, 'float32', values)),
    values: (t) => (wasm ? makers.typedArrayFromHeap!(t) : backend.readSync(t.dataId) as Float32Array),
    bools: (shape, values) => (wasm ? makers.makeOutput!(shape, 'bool', undefined, values) : makers.makeTensorInfo!(shape, 'bool', values)),
    filters: wasm ? packedFilters(backend) : null,
    then(name, inputs, attrs, consumed) {
      const out = run(name, inputs, attrs);
      for (const t of consumed) backend.disposeData(t.dataId);
      return out;
    },
  };
}

/** Pads with zeros where an amount is positive and crops where it is negative: x is [N, H, W, C]. */
function padOrCrop(ops: Ops, x: TensorInfo, pads: Pads, owned: boolean): TensorInfo {
  const [n, h, w, c] = x.shape;
  const crop = pads.map(([a, b]) => [Math.max(0, -a), Math.max(0, -b)]);
  let out = x;
  if (crop.some(([a, b]) => a > 0 || b > 0)) {
    out = ops.then('Slice', { x: out }, {
      begin: [0, crop[0][0], crop[1][0], 0],
      size: [n, h - crop[0][0] - crop[0][1], w - crop[1][0] - crop[1][1], c],
    }, owned ? [out] : []);
    owned = true;
  }
  const grow = pads.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]);
  if (grow.some(([a, b]) => a > 0 || b > 0)) {
    out = ops.then('PadV2', { x: out }, {
      paddings: [[0, 0], grow[0], grow[1], [0, 0]], constantValue: 0,
    }, owned ? [out] : []);
  }
  return out;
}

/** Inserts stride-1 zeros between rows and columns: [N, H, W, C] -> [N, (H-1)*sh+1, (W-1)*sw+1, C]. */
function dilate(ops: Ops, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const r = ops.run('Reshape', { x }, { shape: [n, h, 1, w, 1, c] });
  const p = ops.then('PadV2', { x: r }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0,
  }, [r]);
  const flat = ops.then('Reshape', { x: p }, { shape: [n, h * sh, w * sw, c] }, [p]);
  return padOrCrop(ops, flat, [[0, 1 - sh], [0, 1 - sw]], true);
}

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap) {
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') {
    throw new Error(`training kernels support NHWC only, got dataFormat ${attrs.dataFormat}`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as [number, number], 1, attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined);
}

/**
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*s + kh - top, ow*s + kw - left, ci] * dy[n, oh, ow, co].
 * That is a stride-1 convolution, dilated by s, of x seen as [Ci, H, W, N] with dy seen as a
 * filter [OH, OW, N, Co]; its output is [Ci, KH, KW, Co].
 */
function backpropFilter(ops: Ops, x: TensorInfo, dy: TensorInfo, attrs: NamedAttrMap): TensorInfo {
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs);
  const [kh, kw] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w } = info;
  const { top, left } = info.padInfo;
  const bottom = kh + (oh - 1) * sh - h - top;
  const right = kw + (ow - 1) * sw - w - left;
  const xT = ops.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
  const xP = padOrCrop(ops, xT, [[top, bottom], [left, right]], true);
  const dyT = ops.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = ops.then('Conv2D', { x: xP, filter: dyT }, {
    strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw],
  }, [xP, dyT]);
  return ops.then('Transpose', { x: conv }, { perm: [1, 2, 0, 3] }, [conv]);
}

/**
 * dx[n, h, w, ci] = sum over kh, kw, co of dy[n, oh, ow, co] * W[kh, kw, ci, co] with h = oh*s + kh - top:
 * a stride-1 convolution of the zero-dilated dy with W flipped in space and with its channels swapped.
 */
function backpropInput(ops: Ops, dy: TensorInfo, filter: TensorInfo, attrs: NamedAttrMap): TensorInfo {
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs);
  const [kh, kw] = filter.shape;
  const { strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w } = info;
  const { top, left } = info.padInfo;
  const d = dilate(ops, dy, sh, sw);
  const [, dh, dw] = d.shape;
  const pads: Pads = [[kh - 1 - top, h + kh - 1 - dh - (kh - 1 - top)], [kw - 1 - left, w + kw - 1 - dw - (kw - 1 - left)]];
  const wT = ops.filters ? ops.filters.derived(filter, 'flipped', (kept) => flippedTransposed(ops, kept)) : flippedTransposed(ops, filter);
  // Zero padding goes to the convolution itself (no padded copy of dy); only a crop needs its own pass.
  const explicit = pads.every(([a, b]) => a >= 0 && b >= 0);
  const dP = explicit ? d : padOrCrop(ops, d, pads, d !== dy);
  return ops.then('Conv2D', { x: dP, filter: wT }, {
    strides: [1, 1], pad: explicit ? [[0, 0], pads[0], pads[1], [0, 0]] : 'valid', dataFormat: 'NHWC', dilations: [1, 1],
  }, [...(dP !== dy ? [dP] : []), ...(ops.filters ? [] : [wT])]);
}

/**
 * W [kh, kw, ci, co] flipped in space, channels swapped: [kh, kw, co, ci]. Flipping both spatial axes
 * reverses the order of the kh*kw taps, each a contiguous [co, ci] block once transposed: kh*kw block
 * copies. (wasm's Reverse kernel takes 35 ns a value: 5 ms for ResNet-9's 128x128 filter, four times
 * the convolution it feeds.)
 */
function flippedTransposed(ops: Ops, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const wT = ops.run('Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
  const v = ops.values(wT);
  const taps = kh * kw;
  const block = ci * co;
  const out = new Float32Array(v.length);
  for (let t = 0; t < taps; t++) out.set(v.subarray(t * block, (t + 1) * block), (taps - 1 - t) * block);
  ops.backend.disposeData(wT.dataId);
  return ops.output([kh, kw, co, ci], out);
}

function batchMatMul(ops: Ops, a: TensorInfo, b: TensorInfo, attrs: NamedAttrMap): TensorInfo {
  const swapLast = (t: TensorInfo) => {
    const perm = t.shape.map((_, i) => i);
    [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
    return ops.run('Transpose', { x: t }, { perm });
  };
  const aa = attrs.transposeA ? swapLast(a) : a;
  const bb = attrs.transposeB ? swapLast(b) : b;
  return ops.then('BatchMatMul', { a: aa, b: bb }, { transposeA: false, transposeB: false },
    [aa, bb].filter((t, i) => t !== [a, b][i]));
}

/**
 * dx for a max-pool: each output's gradient goes to the first largest input of its window, in row-major
 * order, as TensorFlow's MaxPoolGrad does. Stock wasm sends it to another of the tied inputs, and ties are
 * everywhere in a digit's black background, so PGD on wasm took other steps than on TensorFlow or cpu.
 */
function maxPoolGrad(ops: Ops, dy: TensorInfo, input: TensorInfo, attrs: NamedAttrMap): TensorInfo {
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number],
    attrs.filterSize as [number, number] | number, attrs.strides as [number, number] | number, 1,
    attrs.pad as 'same' | 'valid' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined);
  const x = ops.values(input);
  const g = ops.values(dy);
  const [n, h, w, c] = input.shape;
  const { outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const dx = new Float32Array(n * h * w * c);
  // Where each input of the current window starts (channel 0), in row-major order; channels innermost.
  const starts = new Int32Array(fh * fw);
  let at = 0;
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let m = 0;
    for (let u = 0; u < fh; u++) {
      const r = i * sh + u - top;
      if (r < 0 || r >= h) continue;
      for (let v = 0; v < fw; v++) {
        const q = j * sw + v - left;
        if (q >= 0 && q < w) starts[m++] = ((b * h + r) * w + q) * c;
      }
    }
    if (m === 0) { at += c; continue; }
    for (let k = 0; k < c; k++, at++) {
      let best = starts[0] + k;
      let bestValue = x[best];
      for (let t = 1; t < m; t++) {
        const p = starts[t] + k;
        if (x[p] > bestValue) { best = p; bestValue = x[p]; }
      }
      dx[best] += g[at];
    }
  }
  return ops.output(input.shape, dx);
}

/**
 * a == b for float32 tensors of different shapes, broadcast. The gradient of a max (ResNet-9's global
 * max-pool) compares x [N, H, W, C] with its maximum [N, 1, 1, C]; stock wasm works out each value's
 * broadcast index on its own, 2 ms for those 16,000 values, as long as the convolution before them.
 */
function equalBroadcast(ops: Ops, a: TensorInfo, b: TensorInfo): TensorInfo {
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const rank = shape.length;
  // Each operand's step along each output axis: 0 where it is broadcast.
  const steps = (s: number[]) => {
    const out = new Array<number>(rank).fill(0);
    for (let i = s.length - 1, d = rank - 1, size = 1; i >= 0; i--, d--) {
      if (s[i] !== 1) out[d] = size;
      size *= s[i];
    }
    return out;
  };
  const [sa, sb] = [steps(a.shape), steps(b.shape)];
  const [va, vb] = [ops.values(a), ops.values(b)];
  const out = new Uint8Array(shape.reduce((p, q) => p * q, 1));
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = va[ia] === vb[ib] ? 1 : 0;
    for (let d = rank - 1; d >= 0; d--) {
      ia += sa[d];
      ib += sb[d];
      if (++index[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
  return ops.bools(shape, out);
}

const registered = new Set<string>();

/**
 * Adds Conv2DBackpropFilter, Conv2DBackpropInput, MaxPoolGrad and a transposed BatchMatMul to a backend
 * ('wasm' or 'cpu'), and on wasm a Conv2D that finds filters by value and an Equal that broadcasts
 * quickly. Calling it again for the same backend does nothing.
 */
export function registerTrainingKernels(backendName: 'wasm' | 'cpu'): void {
  if (registered.has(backendName)) return;
  const stockMatMul = tf.getKernel('BatchMatMul', backendName);
  if (stockMatMul == null) throw new Error(`backend '${backendName}' is not registered: import it before adding kernels`);
  // Keep the stock matmul for the untransposed case: ours calls it after transposing.
  const stock = new Map<string, KernelFunc>([['BatchMatMul', stockMatMul.kernelFunc]]);
  for (const name of ['Conv2D', 'Equal']) {
    const k = tf.getKernel(name, backendName);
    if (k) stock.set(name, k.kernelFunc);
  }
  const add = (kernelName: string, f: (ops: Ops, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap) => TensorInfo) => {
    const previous = tf.getKernel(kernelName, backendName);
    if (previous != null) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({
      kernelName, backendName, setupFunc: previous?.setupFunc,
      kernelFunc: ({ inputs, attrs, backend }) =>
        f(opsFor(backendName, backend as KernelBackend, stock), inputs as Record<string, TensorInfo>, attrs ?? {}),
    });
  };
  add('Conv2DBackpropFilter', (ops, { x, dy }, attrs) => backpropFilter(ops, x, dy, attrs));
  add('Conv2DBackpropInput', (ops, { dy, filter }, attrs) => backpropInput(ops, dy, filter, attrs));
  if (backendName === 'wasm') {
    // The filter that XNNPACK has packed already, where it has met these values before.
    add('Conv2D', (ops, { x, filter }, attrs) => ops.run('Conv2D', { x, filter: ops.filters!.kept(filter) }, attrs));
    add('Equal', (ops, { a, b }) => (a.dtype === 'float32' && b.dtype === 'float32' && !tf.util.arraysEqual(a.shape, b.shape)
      ? equalBroadcast(ops, a, b) : ops.run('Equal', { a, b })));
  }
  add('MaxPoolGrad', (ops, { dy, input }, attrs) => maxPoolGrad(ops, dy, input, attrs));
  add('BatchMatMul', (ops, { a, b }, attrs) =>
    attrs.transposeA || attrs.transposeB ? batchMatMul(ops, a, b, attrs) : ops.run('BatchMatMul', { a, b }, attrs));
  registered.add(backendName);
}
