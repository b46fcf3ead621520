// Standard and robust accuracy of a model on a data set, in batches.
import { AttackInput, attackSpec } from '../attacks/spec';
import { Norm } from '../attacks/threat';
import { ImageDataset } from '../data/dataset';
import { Classifier } from '../models/classifier';
import { labelled, OnProgress } from '../progress';
import { evaluationLabel, rightPerBatch } from './per-image';

export interface EvalResult {
  std_acc: number;
  /** Accuracy on PGD examples; equal to std_acc with no attack. */
  robust_acc: number;
  n: number;
  seconds: number;
}

/**
 * Counts, over the data set, the images the model gets right clean and after `attack` (an image that
 * is wrong clean counts as wrong under attack too: the attack starts from it).
 */
export async function evaluate(model: Classifier, data: ImageDataset, opts: { attack?: AttackInput; seed?: number; batchSize?: number; onProgress?: OnProgress } = {}): Promise<EvalResult> {
  const attack = opts.attack && attackSpec(opts.attack);
  const started = Date.now();
  let [clean, robust, seen] = [0, 0, 0];
  const count = (bits: Uint8Array) => bits.reduce((a, b) => a + b, 0);
  for (const batch of rightPerBatch(model, data, { attack, seed: opts.seed, batchSize: opts.batchSize })) {
    clean += count(batch.clean);
    robust += count(batch.robust);
    seen += batch.clean.length;
    const seconds = (Date.now() - started) / 1000;
    opts.onProgress?.({
      label: evaluationLabel(attack), done: seen, total: data.n, rate: seen / Math.max(seconds, 1e-9),
      metrics: attack ? { std_acc: clean / seen, robust_acc: robust / seen } : { acc: clean / seen },
    });
  }
  return { std_acc: clean / data.n, robust_acc: robust / data.n, n: data.n, seconds: (Date.now() - started) / 1000 };
}

export interface CurveRow {
  [key: string]: number | string;
  threat: string;
  eps: number;
  std_acc: number;
  robust_acc: number;
  n: number;
}

/** Robust accuracy over a grid of eps; the step size is a fixed multiple of eps (default 2.5 eps / steps, the rule the robustness library's README evaluates with). */
export async function robustCurve(model: Classifier, data: ImageDataset, opts: { threat: Norm; epsList: number[]; steps: number; restarts?: number; stepScale?: number; onProgress?: OnProgress }): Promise<CurveRow[]> {
  // Every attack of the grid is checked before any work, eps 0 (no attack) included.
  const attacks = opts.epsList.map((eps) => attackSpec({ threat: opts.threat, eps, steps: opts.steps, stepScale: opts.stepScale, restarts: opts.restarts }));
  const rows: CurveRow[] = [];
  for (const a of attacks) {
    const eps = a.eps;
    const r = await evaluate(model, data, { attack: eps === 0 ? undefined : a, onProgress: opts.onProgress });
    rows.push({ threat: opts.threat, eps, std_acc: r.std_acc, robust_acc: r.robust_acc, n: r.n });
  }
  return rows;
}

/** Robust curves of several models under several threat models: rows tagged with the model's name. */
export async function robustCurves(models: Record<string, Classifier>, data: ImageDataset,
  opts: { grids: Partial<Record<Norm, number[]>>; steps: number; onProgress?: OnProgress }): Promise<(CurveRow & { model: string })[]> {
  const rows: (CurveRow & { model: string })[] = [];
  for (const [model, m] of Object.entries(models)) {
    for (const [threat, epsList] of Object.entries(opts.grids) as [Norm, number[]][]) {
      for (const r of await robustCurve(m, data, { threat, epsList, steps: opts.steps, onProgress: labelled(opts.onProgress, `${model}, ${threat}`) })) rows.push({ ...r, model });
    }
  }
  return rows;
}
