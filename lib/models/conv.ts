// A 2-D convolution that is cheaper to differentiate and to run in inference.
//
// 1. tfjs-layers runs every convolution without an activation through tf.fused.conv2d, whose gradient
//    (a customGrad) always computes both the input and the filter gradient. An attack needs only the
//    first, so on ResNet-9 a PGD step paid a third more than it should. Without an activation we
//    call tf.conv2d, whose gradient computes only what is asked for.
// 2. In inference, a batch norm that takes this convolution's output (and nothing else's) is a
//    per-channel affine map, which folds into the weights: conv(x, W a) + b is conv, BN in two
//    passes over the activations instead of four, and in one pass instead of two backwards. The
//    batch-norm layer (lib/models/batch-norm.ts) then passes its input through.
// Weights, config and file format are tfjs-layers' Conv2D (registered under the stock class name).
import * as tf from '@tensorflow/tfjs';
import { fastLayers } from './fast-path';

type StockConv2D = ReturnType<typeof tf.layers.conv2d>;
type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Parameters<StockConv2D['call']>[1];
const Stock = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: Conv2DArgs) => StockConv2D;

interface Internals {
  kernel: tf.LayerVariable; bias: tf.LayerVariable | null; activation: { getClassName(): string };
  strides: [number, number]; padding: 'same' | 'valid'; dataFormat: string; dilationRate: [number, number];
}

/** What a batch-norm layer offers to fold into the convolution before it: y = x * a + b per channel. */
export interface Foldable extends tf.layers.Layer {
  inferenceAffine(): { a: tf.Tensor1D; b: tf.Tensor1D } | null;
}

/** The one layer that reads `layer`'s output, if it is a foldable batch norm applied once. */
function consumer(layer: tf.layers.Layer): Foldable | null {
  if (layer.outboundNodes.length !== 1) return null;
  const next = layer.outboundNodes[0].outboundLayer as Partial<Foldable> & tf.layers.Layer;
  return typeof next.inferenceAffine === 'function' && next.inboundNodes.length === 1 ? (next as Foldable) : null;
}

export class Conv2D extends Stock {
  static className = 'Conv2D';

  /** The batch norm this convolution absorbs in inference, or null: the one rule both layers follow. */
  foldsInto(training: boolean): Foldable | null {
    const self = this as unknown as Internals;
    if (training || !fastLayers() || self.activation.getClassName() !== 'linear' || self.dataFormat !== 'channelsLast') return null;
    return consumer(this);
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as Internals;
    if (!fastLayers() || self.activation.getClassName() !== 'linear' || self.dataFormat !== 'channelsLast') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const affine = this.foldsInto(Boolean(kwargs.training))?.inferenceAffine();
      const kernel = self.kernel.read() as tf.Tensor4D;
      if (affine) {
        // [kh, kw, in, out] * a[out]; a bias of the convolution goes through the same map.
        const y = tf.conv2d(x, tf.mul(kernel, affine.a) as tf.Tensor4D, self.strides, self.padding, 'NHWC', self.dilationRate);
        return tf.add(y, self.bias ? tf.add(tf.mul(self.bias.read(), affine.a), affine.b) : affine.b);
      }
      const y = tf.conv2d(x, kernel, self.strides, self.padding, 'NHWC', self.dilationRate);
      return self.bias ? tf.add(y, self.bias.read()) : y;
    });
  }
}
tf.serialization.registerClass(Conv2D as unknown as tf.serialization.SerializableConstructor<Conv2D>);

/** Whether the layer that feeds `bn` has already applied it (inference, folded into its weights). */
export function foldedIntoProducer(bn: tf.layers.Layer, training: boolean): boolean {
  if (bn.inboundNodes.length !== 1 || bn.inboundNodes[0].inboundLayers.length !== 1) return false;
  const producer = bn.inboundNodes[0].inboundLayers[0] as Partial<Conv2D>;
  return typeof producer.foldsInto === 'function' && producer.foldsInto(training) === bn;
}

/** A convolution layer: tf.layers.conv2d's arguments. */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}
