// A 2-D convolution whose input gradient does not cost a filter gradient.
//
// tfjs-layers runs every convolution without an activation through tf.fused.conv2d, whose gradient
// (a customGrad) always computes both the input and the filter gradient. An attack needs only the
// first, so on ResNet-9 a PGD step paid a third more than it should. This layer is tfjs-layers' Conv2D
// in every respect (weights, config, file format: it is registered under the stock class name) but
// that one: without an activation it calls tf.conv2d, whose gradient computes only what is asked for.
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

export class Conv2D extends Stock {
  static className = 'Conv2D';

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as Internals;
    if (!fastLayers() || self.activation.getClassName() !== 'linear' || self.dataFormat !== 'channelsLast') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const y = tf.conv2d(x, self.kernel.read() as tf.Tensor4D, self.strides, self.padding, 'NHWC', self.dilationRate);
      return self.bias ? tf.add(y, self.bias.read()) : y;
    });
  }
}
tf.serialization.registerClass(Conv2D as unknown as tf.serialization.SerializableConstructor<Conv2D>);

/** A convolution layer: tf.layers.conv2d's arguments. */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}
