// MobileNet v1 (Keras layout, any width) built from a TensorFlow.js weights manifest: a standard,
// non-robust ImageNet classifier small enough to ship (width 0.25: 1.9 MB).
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ModelFunction } from './classifier';

const BN_EPS = 1e-3;
/** Blocks 1..13: stride of the depthwise convolution. */
const STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];

/** `tensors`: what it holds (weights with batch norm folded in), for accounting. */
export interface MobileNet { model: ModelFunction; tensors: tf.Tensor[]; dispose(): void }

/** Reads model.json and its shards from a directory (the manifest has no topology: the net is built here). */
export function loadMobileNetV1(dir: string): MobileNet {
  const jsonPath = path.join(dir, 'model.json');
  if (!fs.existsSync(jsonPath)) throw new Error(`no MobileNet at ${dir}: ${jsonPath} does not exist`);
  const manifest = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const w: tf.NamedTensorMap = {};
  for (const group of manifest.weightsManifest) {
    const buffers = group.paths.map((p) => {
      const b = fs.readFileSync(path.join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    });
    Object.assign(w, tf.io.decodeWeights(tf.io.concatenateArrayBuffers(buffers), group.weights));
  }
  const get = (name: string) => {
    if (!w[name]) throw new Error(`${jsonPath}: missing weight ${name} (is this a Keras MobileNet v1?)`);
    return w[name];
  };
  // Batch norm in inference mode is a per-channel scale and shift: the scale folds into the
  // convolution's weights (one pass over the activations fewer, forward and backward, in every layer).
  const bn = (prefix: string) => tf.tidy(() => {
    const scale = tf.div(get(`${prefix}/gamma`), tf.sqrt(tf.add(get(`${prefix}/moving_variance`), BN_EPS)));
    return { scale, shift: tf.sub(get(`${prefix}/beta`), tf.mul(get(`${prefix}/moving_mean`), scale)) as tf.Tensor1D };
  });
  // A conv kernel [kh, kw, in, out] scales by output channel; a depthwise one [kh, kw, in, 1] by input channel.
  const folded = (kernel: tf.Tensor4D, prefix: string, depthwise: boolean) => {
    const { scale, shift } = bn(prefix);
    const w = tf.tidy(() => tf.mul(kernel, depthwise ? scale.reshape([1, 1, -1, 1]) : scale) as tf.Tensor4D);
    scale.dispose();
    return { w, shift };
  };
  const stem = folded(get('conv1/kernel') as tf.Tensor4D, 'conv1_bn', false);
  const blocks = STRIDES.map((stride, i) => ({
    stride,
    dw: folded(get(`conv_dw_${i + 1}/depthwise_kernel`) as tf.Tensor4D, `conv_dw_${i + 1}_bn`, true),
    pw: folded(get(`conv_pw_${i + 1}/kernel`) as tf.Tensor4D, `conv_pw_${i + 1}_bn`, false),
  }));
  const preds = get('conv_preds/kernel');
  const head = tf.reshape(preds, [preds.shape[2]!, preds.shape[3]!]) as tf.Tensor2D;
  const bias = get('conv_preds/bias');
  const shifted = (x: tf.Tensor4D, shift: tf.Tensor1D) => tf.relu6(tf.add(x, shift)) as tf.Tensor4D;

  // Keras pads stride-2 convolutions by one pixel at the bottom and right: 'same' padding on even sizes.
  const model: ModelFunction = (x: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => {
    let h = shifted(tf.conv2d(tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D, stem.w, 2, 'same'), stem.shift);
    for (const b of blocks) {
      h = shifted(tf.depthwiseConv2d(h, b.dw.w, b.stride, 'same'), b.dw.shift);
      h = shifted(tf.conv2d(h, b.pw.w, 1, 'same'), b.pw.shift);
    }
    return tf.add(tf.matMul(tf.mean(h, [1, 2]), head), bias) as tf.Tensor2D;
  });
  // The raw weights are not needed once folded (the head, a reshape, keeps its own reference).
  tf.dispose(Object.values(w).filter((t) => t !== bias));
  const owned = [bias, head, stem.w, stem.shift, ...blocks.flatMap((b) => [b.dw.w, b.dw.shift, b.pw.w, b.pw.shift])];
  model.weights = owned;
  return { model, tensors: owned, dispose: () => tf.dispose(owned) };
}
