// Batch normalization that trains through TensorFlow's fused kernels where the backend has them.
//
// It is tfjs-layers' BatchNormalization in every respect (weights, config, the moving averages) but
// two: inference is one affine map (below), and in training mode on tfjs-node the forward pass and
// its gradient are one kernel each (FusedBatchNormV3 / FusedBatchNormGradV3) instead of about
// twenty. It is registered under the
// stock class name, so a saved model is a plain Keras model.json that any TensorFlow.js loads, and
// every batch-norm layer that we load trains the fast way.
import * as tf from '@tensorflow/tfjs';
import { FUSED_BATCH_NORM_TRAINING } from '../backend/kernel-names';
import { foldedIntoProducer } from './conv';
import { fastLayers } from './fast-path';

type StockBatchNorm = ReturnType<typeof tf.layers.batchNormalization>;
type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type Kwargs = Parameters<StockBatchNorm['call']>[1];
const Stock = tf.layers.batchNormalization({}).constructor as new (args?: BatchNormArgs) => StockBatchNorm;

interface Internals { axis: number; momentum: number; epsilon: number; gamma: tf.LayerVariable | null; beta: tf.LayerVariable | null; movingMean: tf.LayerVariable; movingVariance: tf.LayerVariable }

/** Whether the fused path applies: NHWC input, per-channel statistics, and a backend with the kernel. */
function fusable(x: tf.Tensor, layer: Internals): boolean {
  return x.rank === 4 && (layer.axis === -1 || layer.axis === 3) && x.dtype === 'float32' && layer.gamma !== null && layer.beta !== null
    && tf.getKernel(FUSED_BATCH_NORM_TRAINING, tf.getBackend()) !== undefined;
}

/**
 * Inference as one per-channel affine map, x * a + b, with a and b computed from the [C] weights:
 * two passes over x, and its gradient one. tfjs's batchNorm costs about fifteen passes for the
 * gradient, and TensorFlow's FusedBatchNorm in inference mode is slower still on the CPU. An
 * attack runs the model in inference mode, so this is most of a PGD step's batch-norm cost; after a
 * convolution, the map folds into its weights (lib/models/conv.ts) and costs nothing here.
 */
function affine(layer: Internals): { a: tf.Tensor1D; b: tf.Tensor1D } {
  return tf.tidy(() => {
    let a = tf.rsqrt(tf.add(layer.movingVariance.read(), layer.epsilon)) as tf.Tensor1D;
    if (layer.gamma) a = tf.mul(a, layer.gamma.read());
    let b = tf.neg(tf.mul(layer.movingMean.read(), a)) as tf.Tensor1D;
    if (layer.beta) b = tf.add(b, layer.beta.read());
    return { a, b };
  });
}

export class BatchNorm extends Stock {
  static className = 'BatchNormalization';

  /** y = x * a + b per channel, in inference; null where the statistics are not over the last axis. */
  inferenceAffine(): { a: tf.Tensor1D; b: tf.Tensor1D } | null {
    const self = this as unknown as Internals;
    return self.axis === -1 || self.axis === 3 ? affine(self) : null;
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as Internals;
    if (!fastLayers()) return super.call(inputs, kwargs);
    if (!kwargs.training) {
      if (foldedIntoProducer(this, false)) return x;
      const ab = this.inferenceAffine();
      return ab ? tf.tidy(() => tf.add(tf.mul(x, ab.a), ab.b)) : super.call(inputs, kwargs);
    }
    if (!fusable(x, self)) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, unbiased] = tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING,
        { x, scale: self.gamma!.read(), offset: self.beta!.read() }, { epsilon: self.epsilon } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      // The stock layer moves its averages towards the biased batch variance: so do we.
      const n = x.size / x.shape[3]!;
      const variance = tf.mul(unbiased, (n - 1) / n);
      const decay = 1 - self.momentum;
      for (const [v, value] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
        const old = v.read();
        v.write(tf.sub(old, tf.mul(tf.sub(old, value), decay)));
      }
      return y;
    });
  }
}
tf.serialization.registerClass(BatchNorm as unknown as tf.serialization.SerializableConstructor<BatchNorm>);

/** A batch-norm layer: tf.layers.batchNormalization's arguments. */
export function batchNorm(args: BatchNormArgs = {}): BatchNorm {
  return new BatchNorm(args);
}
