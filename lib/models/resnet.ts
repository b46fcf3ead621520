// ResNet-50 (and narrower or shallower nets of the same shape) in torchvision's layout, built from a
// PyTorch state dict: the robust models of the paper come from MadryLab's robustness library this way.
import * as tf from '@tensorflow/tfjs';
import type { TorchTensor } from '../io/torch';
import type { ModelFunction } from './classifier';

/** torchvision's ImageNet normalisation, for state dicts that do not carry their own. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];
/** The robustness library's CIFAR-10 normalisation (robustness/datasets.py). */
const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
const CIFAR_STD = [0.2023, 0.1994, 0.2010];
const BN_EPS = 1e-5;

export interface ResNet {
  /** x [N, H, W, 3] in [0, 1] -> logits [N, classes]; normalisation happens inside, as in robustness. */
  model: ModelFunction;
  /** Bottlenecks per stage ([3, 4, 6, 3] for ResNet-50), the stem's width (64), and the classes. */
  blocks: number[];
  /**
   * 'imagenet': torchvision's layout (7x7 stride-2 stem, max-pool, downsample.*, fc);
   * 'cifar': robustness/cifar_models/resnet.py (3x3 stride-1 stem, no max-pool, shortcut.*, linear).
   */
  variant: 'imagenet' | 'cifar';
  width: number;
  classes: number;
  /** The tensors it holds (its weights, batch norm folded), for accounting. */
  tensors: tf.Tensor[];
  dispose(): void;
}

/** The weights of the network proper, and its input normalisation: robustness keeps them under `model.` and `normalizer.`. */
function split(sd: Map<string, TorchTensor>): { weights: Map<string, TorchTensor>; mean: number[]; std: number[]; variant: ResNet['variant'] } {
  const robust = sd.has('model.conv1.weight');
  const prefix = robust ? 'model.' : '';
  const weights = new Map<string, TorchTensor>();
  for (const [k, v] of sd) if (k.startsWith(prefix) && !k.startsWith('attacker.')) weights.set(k.slice(prefix.length), v);
  const variant = weights.has('linear.weight') ? 'cifar' : 'imagenet';
  const mean = sd.get('normalizer.new_mean');
  const std = sd.get('normalizer.new_std');
  const [m0, s0] = variant === 'cifar' ? [CIFAR_MEAN, CIFAR_STD] : [IMAGENET_MEAN, IMAGENET_STD];
  return { weights, mean: mean ? Array.from(mean.data) : m0, std: std ? Array.from(std.data) : s0, variant };
}

export function resnetFromTorch(sd: Map<string, TorchTensor>, source = 'state dict'): ResNet {
  const { weights, mean, std, variant } = split(sd);
  const cifar = variant === 'cifar';
  const [fc, shortcut] = cifar ? ['linear', 'shortcut'] : ['fc', 'downsample'];
  const get = (name: string, shape?: number[]): TorchTensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`${source}: missing weight ${name} (is this a torchvision-style ResNet?)`);
    if (shape && t.shape.join() !== shape.join()) throw new Error(`${source}: ${name} is [${t.shape}], expected [${shape}]`);
    return t;
  };
  const blocks = [1, 2, 3, 4].map((i) => new Set([...weights.keys()].filter((k) => k.startsWith(`layer${i}.`)).map((k) => k.split('.')[1])).size);
  if (blocks.some((b) => b === 0)) throw new Error(`${source}: a ResNet has four stages layer1..layer4, found blocks ${blocks}`);
  const width = get('conv1.weight').shape[0];
  const classes = get(`${fc}.weight`).shape[0];

  const floats = (name: string, shape: number[]) => Float32Array.from(get(name, shape).data);
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => { owned.push(t); return t; };
  // PyTorch convolutions are [out, in, kh, kw]; TensorFlow.js wants [kh, kw, in, out].
  const conv = (name: string, shape: number[]) =>
    keep(tf.tidy(() => tf.transpose(tf.tensor4d(floats(name, shape), shape as [number, number, number, number]), [2, 3, 1, 0])));
  // Batch norm in inference mode, folded into one scale and one shift per channel.
  const bn = (name: string, c: number) => {
    const [g, b, m, v] = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => get(`${name}.${p}`, [c]).data);
    const scale = Float32Array.from(g, (gi, i) => gi / Math.sqrt(v[i] + BN_EPS));
    const shift = Float32Array.from(b, (bi, i) => bi - m[i] * scale[i]);
    return { scale: keep(tf.tensor1d(scale)), shift: keep(tf.tensor1d(shift)) };
  };

  const k = cifar ? 3 : 7;
  const stem = { w: conv('conv1.weight', [width, 3, k, k]), bn: bn('bn1', width) };
  let inplanes = width;
  const stages = blocks.map((n, i) => Array.from({ length: n }, (_, j) => {
    const planes = width * 2 ** i;
    const stride = i > 0 && j === 0 ? 2 : 1;
    const p = `layer${i + 1}.${j}`;
    const block = {
      stride,
      c1: conv(`${p}.conv1.weight`, [planes, inplanes, 1, 1]), b1: bn(`${p}.bn1`, planes),
      c2: conv(`${p}.conv2.weight`, [planes, planes, 3, 3]), b2: bn(`${p}.bn2`, planes),
      c3: conv(`${p}.conv3.weight`, [planes * 4, planes, 1, 1]), b3: bn(`${p}.bn3`, planes * 4),
      down: weights.has(`${p}.${shortcut}.0.weight`)
        ? { w: conv(`${p}.${shortcut}.0.weight`, [planes * 4, inplanes, 1, 1]), bn: bn(`${p}.${shortcut}.1`, planes * 4) }
        : null,
    };
    inplanes = planes * 4;
    return block;
  }));
  const fcW = keep(tf.tidy(() => tf.transpose(tf.tensor2d(floats(`${fc}.weight`, [classes, inplanes]), [classes, inplanes]))));
  const fcB = keep(tf.tensor1d(floats(`${fc}.bias`, [classes])));
  const meanT = keep(tf.tensor1d(mean));
  const stdT = keep(tf.tensor1d(std));

  const affine = (x: tf.Tensor4D, p: { scale: tf.Tensor1D; shift: tf.Tensor1D }) => tf.add(tf.mul(x, p.scale), p.shift) as tf.Tensor4D;
  // PyTorch pads symmetrically; TensorFlow's 'same' would pad a stride-2 convolution on one side only.
  const padded = (x: tf.Tensor4D, p: number): tf.Tensor4D => (p === 0 ? x : tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]));
  const convolve = (x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number) => tf.conv2d(padded(x, pad), w, stride, 'valid');

  const model: ModelFunction = (x: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => {
    if (cifar && (x.shape[1] !== 32 || x.shape[2] !== 32)) throw new Error(`${source}: this CIFAR ResNet takes 32x32 images, got ${x.shape[1]}x${x.shape[2]}`);
    let h = tf.div(tf.sub(x, meanT), stdT) as tf.Tensor4D;
    if (cifar) {
      h = tf.relu(affine(convolve(h, stem.w, 1, 1), stem.bn));
    } else {
      h = tf.relu(affine(convolve(h, stem.w, 2, 3), stem.bn));
      // After the ReLU every value is >= 0, so zero padding gives the max PyTorch gets with -inf padding.
      h = tf.maxPool(padded(h, 1), 3, 2, 'valid');
    }
    for (const stage of stages) {
      for (const b of stage) {
        let out = tf.relu(affine(convolve(h, b.c1, 1, 0), b.b1));
        out = tf.relu(affine(convolve(out, b.c2, b.stride, 1), b.b2));
        out = affine(convolve(out, b.c3, 1, 0), b.b3);
        const skip = b.down ? affine(convolve(h, b.down.w, b.stride, 0), b.down.bn) : h;
        h = tf.relu(tf.add(out, skip)) as tf.Tensor4D;
      }
    }
    // torchvision's adaptive average pool, and robustness's avg_pool2d(4) on the 4x4 map of a 32x32 image.
    return tf.add(tf.matMul(tf.mean(h, [1, 2]), fcW), fcB) as tf.Tensor2D;
  });
  model.weights = owned;
  return { model, blocks, variant, width, classes, tensors: owned, dispose: () => tf.dispose(owned) };
}
