// MobileNet v1 (Keras layout, any width) built from a TensorFlow.js weights manifest: a standard,
// non-robust ImageNet classifier small enough to ship (width 0.25: 1.9 MB).
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from './classifier';

const BN_EPS = 1e-3;
/** Blocks 1..13: stride of the depthwise convolution. */
const STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];

/** `tensors`: what it holds (weights, batch norm folded), for accounting. */
export interface MobileNet { model: Classifier; tensors: tf.Tensor[]; dispose(): void }

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
  // Batch norm in inference mode, folded into a scale and a shift.
  const bn = (prefix: string) => tf.tidy(() => {
    const scale = tf.div(get(`${prefix}/gamma`), tf.sqrt(tf.add(get(`${prefix}/moving_variance`), BN_EPS)));
    return { scale, shift: tf.sub(get(`${prefix}/beta`), tf.mul(get(`${prefix}/moving_mean`), scale)) };
  });
  const stem = { kernel: get('conv1/kernel') as tf.Tensor4D, bn: bn('conv1_bn') };
  const blocks = STRIDES.map((stride, i) => ({
    stride,
    dw: get(`conv_dw_${i + 1}/depthwise_kernel`) as tf.Tensor4D, dwBn: bn(`conv_dw_${i + 1}_bn`),
    pw: get(`conv_pw_${i + 1}/kernel`) as tf.Tensor4D, pwBn: bn(`conv_pw_${i + 1}_bn`),
  }));
  const preds = get('conv_preds/kernel');
  const head = tf.reshape(preds, [preds.shape[2]!, preds.shape[3]!]) as tf.Tensor2D;
  const bias = get('conv_preds/bias');
  const affine = (x: tf.Tensor4D, p: { scale: tf.Tensor; shift: tf.Tensor }) => tf.relu6(tf.add(tf.mul(x, p.scale), p.shift)) as tf.Tensor4D;

  // Keras pads stride-2 convolutions by one pixel at the bottom and right: 'same' padding on even sizes.
  const model = (x: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => {
    let h = affine(tf.conv2d(tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D, stem.kernel, 2, 'same'), stem.bn);
    for (const b of blocks) {
      h = affine(tf.depthwiseConv2d(h, b.dw, b.stride, 'same'), b.dwBn);
      h = affine(tf.conv2d(h, b.pw, 1, 'same'), b.pwBn);
    }
    return tf.add(tf.matMul(tf.mean(h, [1, 2]), head), bias) as tf.Tensor2D;
  });
  const owned = [...Object.values(w), head, stem.bn.scale, stem.bn.shift, ...blocks.flatMap((b) => [b.dwBn.scale, b.dwBn.shift, b.pwBn.scale, b.pwBn.shift])];
  return { model, tensors: owned, dispose: () => tf.dispose(owned) };
}
