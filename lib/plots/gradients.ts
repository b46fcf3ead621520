// Loss gradients with respect to the input, made visible as the paper's code does: per image, centre
// on the mean, divide by three standard deviations, clip to [-1, 1] and map to [0, 1].
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../attacks/pgd';
import { Classifier, logits } from '../models/classifier';

/** d loss / d x for each image: [N, H, W, C]. */
export function inputGradients(model: Classifier, x: tf.Tensor4D, y: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(logits(model, xi as tf.Tensor4D), y)))(x) as tf.Tensor4D);
}

export function visibleGradients(g: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(g, [1, 2, 3], true);
    const z = tf.div(tf.sub(g, mean), tf.mul(3, tf.add(tf.sqrt(variance), 1e-12)));
    return tf.div(tf.add(tf.clipByValue(z, -1, 1), 1), 2) as tf.Tensor4D;
  });
}
