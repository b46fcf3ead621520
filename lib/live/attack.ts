// PGD against each model of the explorer, in slices between which the page handles input and draws:
// the attack is lib/attacks/pgd.ts, one step at a time (pgdSteps).
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, pgdSteps } from '../attacks/pgd';
import type { Norm } from '../attacks/threat';
import { Classifier, logits } from '../models/classifier';
import { gradientColours, perturbationColours } from '../plots/gradients';
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

export interface AttackSettings { norm: Norm; eps: number; steps: number }

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
 * Attacks x [k, H, W, C] (labels y, or towards `target`) with PGD from the clean images, steps of
 * 2.5 eps / steps, against each model in turn. Returns null as soon as `stale()` says a newer attack
 * was asked for; nothing it made survives either way but the result.
 */
export async function attackModels(models: { name: string; model: Classifier }[], x: tf.Tensor4D, y: tf.Tensor1D, target: tf.Tensor1D | undefined,
  a: AttackSettings, stale: () => boolean): Promise<ModelResult[] | null> {
  const [k, h, w, c] = x.shape;
  const out: ModelResult[] = [];
  for (const { name, model } of models) {
    let xAdv: tf.Tensor4D;
    if (a.eps === 0) xAdv = tf.clone(x);
    else {
      const it = pgdSteps(model, x, y, { threat: a.norm, eps: a.eps, steps: a.steps, randomStart: false, targets: target });
      let sliceStart = performance.now();
      for (;;) {
        const r = it.next();
        if (r.done) { xAdv = r.value; break; }
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToPage();
          if (stale()) { it.return(undefined as unknown as tf.Tensor4D); return null; }
          sliceStart = performance.now();
        }
      }
    }
    const shown = tf.tidy(() => {
      const goal = target ?? y;
      const grad = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(logits(model, xi as tf.Tensor4D), goal)))(xAdv) as tf.Tensor4D;
      return { probs: tf.softmax(logits(model, xAdv)), delta: perturbationColours(tf.sub(xAdv, x) as tf.Tensor4D), grad: gradientColours(grad) };
    });
    const [adversarial, probs, delta, grad] = await Promise.all([xAdv.data(), shown.probs.data(), shown.delta.data(), shown.grad.data()]) as Float32Array[];
    tf.dispose([xAdv, shown.probs, shown.delta, shown.grad]);
    if (stale()) return null;
    out.push({ name, adversarial, probs, advUrls: dataUrls(adversarial, [k, h, w, c]), deltaUrls: dataUrls(delta, [k, h, w, 3]), gradUrls: dataUrls(grad, [k, h, w, 3]) });
  }
  return out;
}
