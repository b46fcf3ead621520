// What the attacks, training and evaluation need of a model: inputs [N, H, W, C] in [0, 1] to logits [N, K].
import * as tf from '@tensorflow/tfjs';

/** What a network is built for: one image's [height, width, channels], and the classes it tells apart. */
export interface ImageInput { shape: [number, number, number]; classes: number }

/**
 * A model as a function of x. Its `weights`, where it declares them, are every tensor it reads besides x:
 * then a step of an attack on it can run as one TensorFlow graph (lib/backend/compiled.ts).
 */
export type ModelFunction = ((x: tf.Tensor4D) => tf.Tensor2D) & { weights?: readonly tf.Tensor[] };

export type Classifier = tf.LayersModel | ModelFunction;

/** Every tensor the model reads besides its input, as they are now; null where a function model does not declare them. */
export function modelTensors(model: Classifier): tf.Tensor[] | null {
  if (typeof model === 'function') return model.weights ? [...model.weights] : null;
  return model.weights.map((w) => w.read());
}

/** Logits of a model in inference mode (batch norm uses its running statistics, no dropout). */
export function logits(model: Classifier, x: tf.Tensor4D): tf.Tensor2D {
  return typeof model === 'function' ? model(x) : (model.apply(x, { training: false }) as tf.Tensor2D);
}

/** Each image's most probable class and its softmax probability. */
export function topClass(model: Classifier, x: tf.Tensor4D): { classes: number[]; confidences: number[] } {
  return tf.tidy(() => {
    const p = tf.softmax(logits(model, x));
    return { classes: Array.from(tf.argMax(p, -1).dataSync()), confidences: Array.from(tf.max(p, -1).dataSync()) };
  });
}
