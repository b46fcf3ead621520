// A 1000-class ImageNet model read as a Restricted ImageNet classifier: the logit of a superclass is
// the log of the summed probabilities of its classes, logsumexp over its range of logits. Models
// trained on Restricted ImageNet itself (9 logits) pass through unchanged.
import * as tf from '@tensorflow/tfjs';
import { RESTRICTED_IMAGENET } from '../data/imagenet';
import { Classifier, logits, ModelFunction, modelTensors } from './classifier';

export function restrictedImagenet(model: Classifier): ModelFunction {
  const restricted: ModelFunction = (x: tf.Tensor4D) => tf.tidy(() => {
    const z = logits(model, x);
    if (z.shape[1] === RESTRICTED_IMAGENET.length) return z;
    if (z.shape[1] !== 1000) throw new Error(`a Restricted ImageNet classifier needs 9 or 1000 logits, this model gives ${z.shape[1]}`);
    return tf.concat(RESTRICTED_IMAGENET.map((s) => tf.logSumExp(tf.slice(z, [0, s.first], [-1, s.last - s.first + 1]), 1, true)), 1) as tf.Tensor2D;
  });
  // It reads what the model reads: the model's tensors as they are at each call.
  Object.defineProperty(restricted, 'weights', { get: () => modelTensors(model) ?? undefined });
  return restricted;
}
