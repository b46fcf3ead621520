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

/** Signed values as colour: red where positive, blue where negative, white at zero; |z| <= 1. [N, H, W, 1] -> [N, H, W, 3] */
export function redBlue(z: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.concat([tf.sub(1, tf.relu(tf.neg(z))), tf.sub(1, tf.abs(z)), tf.sub(1, tf.relu(z))], 3) as tf.Tensor4D);
}

/**
 * A gradient as an image [N, H, W, 3]: grey images' gradients signed (red raises the loss, blue
 * lowers it) and colour images' as the paper draws them; both scaled by 3 standard deviations.
 */
export function gradientColours(g: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    if (g.shape[3] !== 1) return visibleGradients(g);
    const sd = tf.sqrt(tf.add(tf.moments(g, [1, 2, 3], true).variance, 1e-20));
    return redBlue(tf.clipByValue(tf.div(g, tf.mul(3, sd)), -1, 1) as tf.Tensor4D);
  });
}

/**
 * A perturbation x_adv - x as an image [N, H, W, 3], amplified so that each image's largest change
 * is full colour: grey images red (brighter) and blue (darker), colour images around mid-grey.
 */
export function perturbationColours(delta: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const z = tf.div(delta, tf.add(tf.max(tf.abs(delta), [1, 2, 3], true), 1e-12)) as tf.Tensor4D;
    return delta.shape[3] === 1 ? redBlue(z) : tf.div(tf.add(z, 1), 2) as tf.Tensor4D;
  });
}
