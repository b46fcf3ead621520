// PGD against each model of an explorer: the one loop that Node's picture of the starting state
// (lib/plots/explorer.ts) and the page's worker (lib/live/worker.ts) both run. The attack is lib/attacks/pgd.ts,
// one step at a time (pgdSteps), so that the page can pause between steps to handle input and draw.
import * as tf from '@tensorflow/tfjs';
import { pgdSteps } from '../attacks/pgd';
import type { Norm } from '../attacks/threat';
import type { Classifier } from '../models/classifier';

/** An explorer's attack: PGD from the clean image (no random start), steps of 2.5 eps / steps. */
export interface AttackSettings { norm: Norm; eps: number; steps: number; target: number | null }

/**
 * Attacks x [k, H, W, C] (labels y, or towards `a.target`) against each model in turn: one adversarial
 * batch per model. `pause`, where given, runs after every PGD step; when it says true (a newer attack was
 * asked for) the attack stops and returns null, and nothing it made survives.
 */
export async function attackModels(models: Classifier[], x: tf.Tensor4D, y: tf.Tensor1D, a: AttackSettings,
  pause?: () => boolean | Promise<boolean>): Promise<tf.Tensor4D[] | null> {
  const targets = a.target == null ? undefined : tf.fill([x.shape[0]], a.target, 'int32') as tf.Tensor1D;
  const out: tf.Tensor4D[] = [];
  const stop = () => { tf.dispose([...out, ...(targets ? [targets] : [])]); return null; };
  for (const model of models) {
    if (a.eps === 0) { out.push(tf.clone(x)); continue; }
    const it = pgdSteps(model, x, y, { threat: a.norm, eps: a.eps, steps: a.steps, randomStart: false, targets });
    for (;;) {
      const r = it.next();
      if (r.done) { out.push(r.value); break; }
      const stale = pause?.();
      if (stale === true || (stale instanceof Promise && await stale)) { it.return(undefined as unknown as tf.Tensor4D); return stop(); }
    }
  }
  targets?.dispose();
  return out;
}
