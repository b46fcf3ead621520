// ResNet-9: David Page's DAWNBench network for CIFAR-10, at any base width c (the original is 64).
//   prep    conv 3x3 3 -> c, BN, ReLU
//   layer1  conv 3x3 c -> 2c, BN, ReLU, max-pool 2; residual: x + (conv-BN-ReLU 2c -> 2c) twice
//   layer2  conv 3x3 2c -> 4c, BN, ReLU, max-pool 2
//   layer3  conv 3x3 4c -> 8c, BN, ReLU, max-pool 2; residual: x + (conv-BN-ReLU 8c -> 8c) twice
//   head    global max-pool, linear 8c -> 10 without bias, logits scaled by 1/8
// About 92,000 c^2 multiply-adds per image. The same network as ../shared/peers/pytorch_cifar_bench.py,
// with PyTorch's initialisation and batch-norm settings, so that the two train alike.
import * as tf from '@tensorflow/tfjs';
import { batchNorm } from './batch-norm';
import { conv2d } from './conv';

/** PyTorch's default for conv and linear weights: uniform on +-1/sqrt(fan_in). */
const torchInit = (seed: number) => tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed });

/**
 * x [N, S, S, C] in [0, 1] (CIFAR-10: [N, 32, 32, 3]) -> logits [N, classes]. There is no input normalisation: the first
 * convolution has no bias and batch norm follows it, which removes any per-channel shift and scale.
 */
export function resnet9(width = 16, opts: { seed?: number; classes?: number; inputSize?: number; inputShape?: [number, number, number] } = {}): tf.LayersModel {
  if (!(Number.isInteger(width) && width >= 1)) throw new Error(`ResNet-9 width must be an integer >= 1, got ${width}`);
  const [size, sizeW, channels] = opts.inputShape ?? [opts.inputSize ?? 32, opts.inputSize ?? 32, 3];
  if (!(Number.isInteger(size) && size >= 8 && size % 8 === 0 && sizeW === size)) throw new Error(`ResNet-9 input must be square with a side that is a multiple of 8, got ${size}x${sizeW}`);
  let seed = opts.seed ?? 0;
  // PyTorch's BatchNorm2d: eps 1e-5, and momentum 0.1 in its convention is 0.9 in Keras's.
  const cbr = (x: tf.SymbolicTensor, filters: number): tf.SymbolicTensor => {
    const conv = conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: torchInit(seed++) });
    const bn = batchNorm({ epsilon: 1e-5, momentum: 0.9 });
    return tf.layers.reLU().apply(bn.apply(conv.apply(x))) as tf.SymbolicTensor;
  };
  const pool = (x: tf.SymbolicTensor) => tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  const residual = (x: tf.SymbolicTensor, c: number) => tf.layers.add().apply([x, cbr(cbr(x, c), c)]) as tf.SymbolicTensor;

  const input = tf.input({ shape: [size, size, channels] });
  const c = width;
  let h = cbr(input, c);
  h = residual(pool(cbr(h, 2 * c)), 2 * c);
  h = pool(cbr(h, 4 * c));
  h = residual(pool(cbr(h, 8 * c)), 8 * c);
  h = tf.layers.globalMaxPooling2d({}).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: opts.classes ?? 10, useBias: false, kernelInitializer: torchInit(seed++) }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.rescaling({ scale: 0.125 }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: `resnet9_w${width}` });
}
