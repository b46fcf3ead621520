// The explorer's attack in the page: lib/figures/attack.ts's loop (the one Node's starting picture runs),
// in slices between which the page handles input and draws, then what the page shows of each result.
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '../models/classifier';
import { logits } from '../models/classifier';
import { attackModels, AttackSettings } from '../figures/attack';
import { gradientColours, inputGradients, perturbationColours } from '../figures/gradients';
import { dataUrls } from './images';

/** Work between two yields to the page, in milliseconds: the slider stays smooth while PGD runs. */
const SLICE_MS = 40;

/**
 * Lets the page handle input and draw a frame if one is due, then goes on: a message to ourselves
 * comes back at once, where waiting for the next animation frame would idle up to 16 ms a step.
 */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToPage = () => new Promise<void>((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });

/** One model's answer for the attacked images, ready to show. */
export interface ModelResult {
  name: string;
  /** [k, H, W, C] */
  adversarial: Float32Array;
  /** [k, classes] */
  probs: Float32Array;
  advUrls: string[];
  deltaUrls: string[];
  gradUrls: string[];
}

/**
 * Attacks x [k, H, W, C] (labels y) against each model, yielding to the page every SLICE_MS. Returns null
 * as soon as `stale()` says a newer attack was asked for; nothing it made survives either way but the result.
 */
export async function attackInPage(models: { name: string; model: Classifier }[], x: tf.Tensor4D, y: tf.Tensor1D,
  a: AttackSettings, stale: () => boolean): Promise<ModelResult[] | null> {
  const [k, h, w, c] = x.shape;
  let sliceStart = performance.now();
  const pause = () => {
    if (performance.now() - sliceStart <= SLICE_MS) return false;
    return yieldToPage().then(() => { sliceStart = performance.now(); return stale(); });
  };
  const advs = await attackModels(models.map((m) => m.model), x, y, a, pause);
  if (!advs) return null;
  const goal = a.target == null ? y : tf.fill([k], a.target, 'int32') as tf.Tensor1D;
  const out: ModelResult[] = [];
  try {
    for (const [i, { name, model }] of models.entries()) {
      const xAdv = advs[i];
      const shown = tf.tidy(() => ({
        probs: tf.softmax(logits(model, xAdv)),
        delta: perturbationColours(tf.sub(xAdv, x) as tf.Tensor4D),
        grad: gradientColours(inputGradients(model, xAdv, goal)),
      }));
      const [adversarial, probs, delta, grad] = await Promise.all([xAdv.data(), shown.probs.data(), shown.delta.data(), shown.grad.data()]) as Float32Array[];
      tf.dispose([shown.probs, shown.delta, shown.grad]);
      if (stale()) return null;
      out.push({ name, adversarial, probs, advUrls: dataUrls(adversarial, [k, h, w, c]), deltaUrls: dataUrls(delta, [k, h, w, 3]), gradUrls: dataUrls(grad, [k, h, w, 3]) });
    }
    return out;
  } finally {
    tf.dispose([...advs, ...(goal === y ? [] : [goal])]);
  }
}
