// Which images a model gets right, one by one, clean or under PGD: what a shipped evaluation stores, so
// that a test can re-measure a few of its images and compare them image by image.
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../attacks/pgd';
import { AttackInput, AttackSpec, attackSpec } from '../attacks/spec';
import { batchTensors, ImageDataset } from '../data/dataset';
import { Classifier, logits } from '../models/classifier';
import { OnProgress } from '../progress';

/** A progress bar's label for an evaluation under `attack`: eps 0 runs no attack. */
export function evaluationLabel(attack: AttackSpec | undefined): string {
  return attack && attack.eps > 0 ? `PGD-${attack.steps}` : 'accuracy';
}

export interface PerImageOptions { attack?: AttackInput; seed?: number; batchSize?: number; from?: number; to?: number }

/**
 * Batch by batch over images [from, to): 1 per image the model gets right clean, and right clean and
 * still right after `attack` (an image wrong clean is wrong under attack too: the attack starts from it).
 * Batches are aligned to `batchSize` from image 0 and the batch starting at image s is attacked with
 * seed `seed + s`; a random start is drawn row by row, so images [s, s + m) of that batch get the same
 * start whether the batch holds m images or batchSize. A run over the first m images therefore repeats
 * the first m results of a longer one, and a stored run extends batch by batch. evaluate() counts these.
 */
export function* rightPerBatch(model: Classifier, data: ImageDataset, opts: PerImageOptions = {}): Generator<{ start: number; clean: Uint8Array; robust: Uint8Array }> {
  const batchSize = opts.batchSize ?? 200;
  const from = opts.from ?? 0;
  const to = opts.to ?? data.n;
  if (!Number.isInteger(from) || from < 0 || from % batchSize !== 0) throw new Error(`from must be a multiple of the batch size ${batchSize}, got ${from}`);
  if (!Number.isInteger(to) || to < from || to > data.n) throw new Error(`to must be an integer in [${from}, ${data.n}], got ${to}`);
  const attack = opts.attack && attackSpec(opts.attack);
  for (let s = from; s < to; s += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, to - s) }, (_, i) => s + i);
    const { x, y } = batchTensors(data, idx);
    // eps 0 leaves every image where it is: no attack to run.
    const xAdv = attack && attack.eps > 0 ? pgd(model, x, y, { ...attack, seed: (opts.seed ?? 0) + s }) : null;
    const [clean, robust] = tf.tidy(() => {
      const right = (input: tf.Tensor4D) => tf.equal(tf.argMax(logits(model, input), -1), y);
      const ok = right(x);
      const bits = (t: tf.Tensor) => Uint8Array.from(tf.cast(t, 'int32').dataSync());
      const clean = bits(ok);
      return [clean, xAdv ? bits(tf.logicalAnd(ok, right(xAdv))) : clean];
    });
    tf.dispose([x, y, ...(xAdv ? [xAdv] : [])]);
    yield { start: s, clean, robust };
  }
}

/** Per image of [from, to): 1 where the model is right clean and (with `attack`) still right after it, else 0 (rightPerBatch). */
export async function correctPerImage(model: Classifier, data: ImageDataset, opts: PerImageOptions & { onProgress?: OnProgress } = {}): Promise<Uint8Array> {
  const from = opts.from ?? 0;
  const total = (opts.to ?? data.n) - from;
  const out = new Uint8Array(Math.max(total, 0));
  const attack = opts.attack && attackSpec(opts.attack);
  const label = evaluationLabel(attack);
  const started = Date.now();
  for (const { start, robust } of rightPerBatch(model, data, { ...opts, attack })) {
    out.set(robust, start - from);
    const done = start - from + robust.length;
    opts.onProgress?.({ label, done, total, rate: done / Math.max((Date.now() - started) / 1000, 1e-9), metrics: {} });
  }
  return out;
}

/** 0/1 per image as base64 of a bitstring (image i is bit 7 - i % 8 of byte i / 8): 10,000 images in 1,668 characters. */
export function packBits(bits: ArrayLike<number>): string {
  const bytes = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i]) bytes[i >> 3] |= 0x80 >> (i & 7);
  return Buffer.from(bytes).toString('base64');
}

/** The first `n` bits of packBits' string. */
export function unpackBits(packed: string, n: number): Uint8Array {
  const bytes = Buffer.from(packed, 'base64');
  if (bytes.length !== Math.ceil(n / 8)) throw new Error(`a bitstring of ${n} images is ${Math.ceil(n / 8)} bytes, this one is ${bytes.length}`);
  return Uint8Array.from({ length: n }, (_, i) => (bytes[i >> 3] >> (7 - (i & 7))) & 1);
}
