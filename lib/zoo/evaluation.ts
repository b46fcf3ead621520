// A shipped model's evaluation (data/models/<dataset>/<name>/evaluation.json): clean accuracy and PGD
// robust accuracy at the chapter's eps grids, image by image, with what measured it (the command, the
// library's commit, the weights' sha256, the date, the backend). The chapters show it instead of
// attacking every model for minutes, and only for the weights it was measured on.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Norm, NORMS } from '../attacks/threat';
import type { ImageDataset } from '../data/dataset';
import { datasetSpec } from '../data/datasets';
import type { CurveRow } from '../eval/accuracy';
import { correctPerImage, packBits, unpackBits } from '../eval/per-image';
import { writeFileAtomic } from '../io/atomic';
import { sha256 } from '../io/sha256';
import type { Classifier } from '../models/classifier';
import { labelled, OnProgress } from '../progress';
import { shippedDir } from './zoo';

export interface EvalPoint {
  /** 'clean' for no attack (eps 0). */
  threat: Norm | 'clean';
  eps: number;
  /** Images measured: the first n of the split. */
  n: number;
  /** Images right (clean: right; attacked: right clean and after the attack). */
  correct: number;
  acc: number;
  /** Per image, right or not: packBits' base64. */
  bits: string;
}

export interface EvalSettings {
  split: string;
  steps: number;
  /** PGD's step is stepScale eps / steps. */
  stepScale: number;
  randomStart: true;
  restarts: 1;
  /** The batch starting at image s is attacked with seed + s. */
  seed: number;
  batchSize: number;
}

export interface ShippedEvaluation {
  dataset: string;
  model: string;
  /** sha256 of the weights.bin measured: the evaluation belongs to these weights alone. */
  weightsSha256: string;
  settings: EvalSettings;
  clean: EvalPoint;
  /** One per norm and eps > 0 of the data set's grids. */
  points: EvalPoint[];
  command: string;
  /** The library's git commit, and whether lib/ had changes not committed. */
  commit: string;
  libDirty: boolean;
  date: string;
  backend: string;
  /** Wall-clock seconds of the points measured in the last run (a resumed run counts its own). */
  seconds: number;
}

export const EVALUATION_FILE = 'evaluation.json';

export function evaluationPath(dataset: string, name: string): string {
  return path.join(shippedDir(dataset, name), EVALUATION_FILE);
}

/** sha256 of a model directory's weights.bin. */
export function weightsSha256(dir: string): string {
  const file = path.join(dir, 'weights.bin');
  if (!fs.existsSync(file)) throw new Error(`${dir} has no weights.bin`);
  return sha256(fs.readFileSync(file));
}

/**
 * The stored evaluation of the shipped model `name`, if there is one and it was measured on weights
 * whose sha256 is `weights` (the model in hand: a model trained here, or a shipped file changed since, gets none).
 */
export function shippedEvaluation(dataset: string, name: string, weights: string | undefined): ShippedEvaluation | null {
  const file = evaluationPath(dataset, name);
  if (!weights || !fs.existsSync(file)) return null;
  const ev = JSON.parse(fs.readFileSync(file, 'utf8')) as ShippedEvaluation;
  return ev.weightsSha256 === weights && ev.dataset === dataset && ev.model === name ? ev : null;
}

/** The attacked points a data set's chapter shows: each norm's grid without eps 0. */
export function gridPoints(dataset: string): { threat: Norm; eps: number }[] {
  const grids = datasetSpec(dataset).epsGrids;
  return NORMS.flatMap((threat) => grids[threat].filter((eps) => eps > 0).map((eps) => ({ threat, eps })));
}

function point(threat: Norm | 'clean', eps: number, bits: Uint8Array): EvalPoint {
  const correct = bits.reduce((s, b) => s + b, 0);
  return { threat, eps, n: bits.length, correct, acc: correct / bits.length, bits: packBits(bits) };
}

/** A point measured (or extended) over the first n images, reusing the images of `old` where they agree in settings. */
async function measurePoint(model: Classifier, data: ImageDataset, threat: Norm | 'clean', eps: number, n: number, s: EvalSettings, old: EvalPoint | undefined, onProgress?: OnProgress): Promise<EvalPoint> {
  // A stored run extends from its last whole batch (correctPerImage's batches are aligned to image 0).
  const keep = old ? Math.min(n, old.n - (old.n % s.batchSize)) : 0;
  if (old && old.n >= n) return point(threat, eps, unpackBits(old.bits, old.n).slice(0, n));
  const attack = threat === 'clean' ? undefined : { threat, eps, steps: s.steps, stepScale: s.stepScale, randomStart: true, restarts: 1 };
  const fresh = await correctPerImage(model, data, { attack, seed: s.seed, batchSize: s.batchSize, from: keep, to: n, onProgress });
  const bits = new Uint8Array(n);
  if (old) bits.set(unpackBits(old.bits, old.n).slice(0, keep));
  bits.set(fresh, keep);
  return point(threat, eps, bits);
}

export interface MeasureOptions {
  settings: EvalSettings;
  /** Images attacked (the first n of `data`) and images measured clean (at least n). */
  n: number;
  cleanN: number;
  /** What is recorded as having measured it. */
  provenance: { command: string; commit: string; libDirty: boolean };
  /** A checkpoint file: each point is saved there as it finishes, and a run resumes from it. */
  partial: string;
  /** Where evaluation.json goes (default beside the shipped model; a test writes elsewhere). */
  dest?: string;
  /** The backend in words (default tf.getBackend()). */
  backend?: string;
  onProgress?: OnProgress;
}

/**
 * Measures the evaluation of the shipped model `name` (its directory's weights) on `data`, resuming
 * from `opts.partial` when that holds points of the same weights and settings, and writes
 * evaluation.json beside the model. A point already measured on enough images is not measured again.
 */
export async function measureEvaluation(dataset: string, name: string, model: Classifier, data: ImageDataset, opts: MeasureOptions): Promise<ShippedEvaluation> {
  const { settings: s, n, cleanN } = opts;
  if (!(n >= 1 && cleanN >= n && cleanN <= data.n)) throw new Error(`need 1 <= n (${n}) <= cleanN (${cleanN}) <= the split's ${data.n} images`);
  const weights = weightsSha256(shippedDir(dataset, name));
  const same = (ev: ShippedEvaluation | null) => ev && ev.weightsSha256 === weights && JSON.stringify(ev.settings) === JSON.stringify(s) ? ev : null;
  const read = (f: string) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) as ShippedEvaluation : null);
  const dest = opts.dest ?? evaluationPath(dataset, name);
  const prior = same(read(opts.partial)) ?? same(read(dest));
  const started = Date.now();
  const ev: ShippedEvaluation = {
    dataset, model: name, weightsSha256: weights, settings: s, clean: prior?.clean as EvalPoint, points: [], ...opts.provenance,
    date: new Date().toISOString(), backend: opts.backend ?? tf.getBackend(), seconds: 0,
  };
  const save = (file: string) => {
    ev.seconds = +((Date.now() - started) / 1000).toFixed(1);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(ev, null, 1) + '\n');
  };
  ev.clean = await measurePoint(model, data, 'clean', 0, cleanN, s, prior?.clean, labelled(opts.onProgress, `${name}, clean`));
  save(opts.partial);
  for (const p of gridPoints(dataset)) {
    const old = prior?.points.find((q) => q.threat === p.threat && q.eps === p.eps);
    ev.points.push(await measurePoint(model, data, p.threat, p.eps, n, s, old, labelled(opts.onProgress, `${name}, ${p.threat} ${p.eps}`)));
    save(opts.partial);
  }
  save(dest);
  fs.rmSync(opts.partial, { force: true });
  return ev;
}

/**
 * The evaluation as the chapter's rows, per norm of the grids, every row on the images attacked (the
 * first n): eps 0 and each row's std_acc are clean accuracy on those same images, so that a row of the
 * table compares like with like. Clean accuracy on all cleanN images is ev.clean (Figure 7 shows it).
 */
export function evaluationRows(ev: ShippedEvaluation): CurveRow[] {
  const clean = unpackBits(ev.clean.bits, ev.clean.n);
  const rows: CurveRow[] = [];
  for (const threat of NORMS) {
    const points = ev.points.filter((q) => q.threat === threat);
    const n = Math.min(...points.map((p) => p.n));
    const std = (m: number) => clean.slice(0, m).reduce((s, b) => s + b, 0) / m;
    rows.push({ threat, eps: 0, std_acc: std(n), robust_acc: std(n), n });
    for (const p of points) rows.push({ threat, eps: p.eps, std_acc: std(p.n), robust_acc: p.acc, n: p.n });
  }
  return rows;
}

/** The stored per-image results of one point, for images [0, n). */
export function storedBits(ev: ShippedEvaluation, threat: Norm | 'clean', eps: number, n: number): Uint8Array {
  const p = threat === 'clean' ? ev.clean : ev.points.find((q) => q.threat === threat && Math.abs(q.eps - eps) < 1e-12);
  if (!p) throw new Error(`${ev.dataset}/${ev.model}'s evaluation has no point ${threat} eps ${eps}`);
  if (n > p.n) throw new Error(`${ev.dataset}/${ev.model}'s evaluation measured ${threat} eps ${eps} on ${p.n} images, not ${n}`);
  return unpackBits(p.bits, p.n).slice(0, n);
}

/** The images (indices) where two per-image results differ. */
export function flips(a: Uint8Array, b: Uint8Array): number[] {
  if (a.length !== b.length) throw new Error(`comparing ${a.length} images with ${b.length}`);
  return Array.from(a.keys()).filter((i) => a[i] !== b[i]);
}
