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

/**
 * The two ends of the signed colour scale, RGB in [0, 1]: orange (#e66100) and blue (#1f5fa8), a
 * diverging pair that stays apart under every common colour-vision deficiency and in grey (the orange is
 * lighter), where red and green would not (WCAG 1.4.1; the pictures' legends say the sign in words too).
 */
export const POSITIVE_RGB = [0.9, 0.38, 0] as const;
export const NEGATIVE_RGB = [0.12, 0.37, 0.66] as const;

/** Signed values as colour: orange where positive, blue where negative, white at zero; |z| <= 1. [N, H, W, 1] -> [N, H, W, 3] */
export function orangeBlue(z: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const pos = tf.relu(z);
    const neg = tf.relu(tf.neg(z));
    return tf.concat([0, 1, 2].map((c) => tf.sub(tf.sub(1, tf.mul(pos, 1 - POSITIVE_RGB[c])), tf.mul(neg, 1 - NEGATIVE_RGB[c]))), 3) as tf.Tensor4D;
  });
}

/**
 * A gradient as an image [N, H, W, 3]: grey images' gradients signed (orange raises the loss, blue
 * lowers it) and colour images' as the paper draws them; both scaled by 3 standard deviations.
 */
export function gradientColours(g: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    if (g.shape[3] !== 1) return visibleGradients(g);
    const sd = tf.sqrt(tf.add(tf.moments(g, [1, 2, 3], true).variance, 1e-20));
    return orangeBlue(tf.clipByValue(tf.div(g, tf.mul(3, sd)), -1, 1) as tf.Tensor4D);
  });
}

/**
 * A perturbation x_adv - x as an image [N, H, W, 3], amplified so that each image's largest change
 * is full colour: grey images orange (brighter) and blue (darker), colour images around mid-grey.
 */
export function perturbationColours(delta: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const z = tf.div(delta, tf.add(tf.max(tf.abs(delta), [1, 2, 3], true), 1e-12)) as tf.Tensor4D;
    return delta.shape[3] === 1 ? orangeBlue(z) : tf.div(tf.add(z, 1), 2) as tf.Tensor4D;
  });
}
