// Checkpoints: one directory per epoch, written under a temporary name and renamed into place, then
// named in checkpoint.json (also written atomically). A crash at any moment leaves the last good one.
import * as fs from 'fs';
import { sha256 } from '../io/sha256';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { readJsonFile } from '../io/json';
import { writeFileAtomic } from '../io/atomic';
import { loadModel, saveModel } from '../models/io';
import { OptimizerState } from './optimizer';

export interface CheckpointState<H> {
  /** Epochs completed. */
  epoch: number;
  history: H[];
}

interface Pointer { latest: string; epoch: number }

const POINTER = 'checkpoint.json';

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, POINTER));
}

export async function saveCheckpoint<H>(dir: string, model: tf.LayersModel, optimizer: OptimizerState, state: CheckpointState<H>): Promise<void> {
  const name = `epoch-${String(state.epoch).padStart(4, '0')}`;
  const final = path.join(dir, 'checkpoints', name);
  const partial = `${final}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  await saveModel(model, partial);
  const specs = optimizer.weights.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype }));
  const data = await Promise.all(optimizer.weights.map((w) => w.tensor.data()));
  const bin = Buffer.concat(data.map((d) => Buffer.from(new Float32Array(d as Float32Array).buffer)));
  writeFileAtomic(path.join(partial, 'optimizer.bin'), bin);
  writeFileAtomic(path.join(partial, 'optimizer.json'), JSON.stringify({ specs, extra: optimizer.extra, sha256: sha256(bin) }));
  writeFileAtomic(path.join(partial, 'state.json'), JSON.stringify(state, null, 1));
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(partial, final);
  const previous = readPointer(dir);
  writeFileAtomic(path.join(dir, POINTER), JSON.stringify({ latest: path.join('checkpoints', name), epoch: state.epoch }));
  if (previous && previous.latest !== path.join('checkpoints', name)) fs.rmSync(path.join(dir, previous.latest), { recursive: true, force: true });
}

/**
 * Removes the half-written checkpoints (`epoch-NNNN.partial-PID`) that a killed run left behind:
 * the pointer never names one, so they are never read, only kept (megabytes each).
 */
export function removePartialCheckpoints(dir: string): void {
  const folder = path.join(dir, 'checkpoints');
  if (!fs.existsSync(folder)) return;
  for (const f of fs.readdirSync(folder)) if (/\.partial-\d+$/.test(f)) fs.rmSync(path.join(folder, f), { recursive: true, force: true });
}

function readPointer(dir: string): Pointer | null {
  const p = path.join(dir, POINTER);
  if (!fs.existsSync(p)) return null;
  const pointer = readJsonFile<Pointer>(p, `restore it, or delete ${dir} and train again`);
  if (!fs.existsSync(path.join(dir, pointer.latest, 'model.json'))) throw new Error(`${p} names ${pointer.latest}, which is missing`);
  return pointer;
}

/** The directory of the latest checkpoint's model, for a training directory or a model directory. */
export function modelDir(dir: string): string {
  if (fs.existsSync(path.join(dir, 'model.json'))) return dir;
  const pointer = readPointer(dir);
  if (!pointer) throw new Error(`${dir} holds neither a model (model.json) nor a training run (${POINTER})`);
  return path.join(dir, pointer.latest);
}

export async function loadCheckpoint<H>(dir: string): Promise<{ model: tf.LayersModel; optimizer: OptimizerState; state: CheckpointState<H> }> {
  const at = modelDir(dir);
  // A run keeps one checkpoint (the latest): a damaged one cannot be resumed.
  const fix = `the checkpoint of ${dir} is damaged and cannot be resumed: delete the folder and train again`;
  const meta = readJsonFile<{ specs: { name: string; shape: number[]; dtype: tf.DataType }[]; extra: number[]; sha256?: string }>(path.join(at, 'optimizer.json'), fix);
  const specsOk = Array.isArray(meta?.specs) && Array.isArray(meta.extra) && meta.specs.every((sp) => typeof sp?.name === 'string'
    && Array.isArray(sp.shape) && sp.shape.every((d) => Number.isSafeInteger(d) && d >= 0) && ['float32', 'int32'].includes(sp.dtype));
  if (!specsOk) throw new Error(`${path.join(at, 'optimizer.json')} does not describe optimizer weights (specs with name, shape, dtype; extra): ${fix}`);
  const state = readJsonFile<CheckpointState<H>>(path.join(at, 'state.json'), fix);
  if (!Number.isSafeInteger(state?.epoch) || !Array.isArray(state.history)) throw new Error(`${path.join(at, 'state.json')} has no epoch and history: ${fix}`);
  const binFile = path.join(at, 'optimizer.bin');
  if (!fs.existsSync(binFile)) throw new Error(`${binFile} is missing: ${fix}`);
  const bytes = fs.readFileSync(binFile);
  const described = meta.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== 4 * described) {
    throw new Error(`${binFile} holds ${bytes.byteLength} bytes, optimizer.json describes ${described} float32 values (${4 * described} bytes): ${fix}`);
  }
  // Checkpoints written before the checksum existed are read without one.
  if (meta.sha256 !== undefined && sha256(bytes) !== meta.sha256) throw new Error(`${binFile} is not the file optimizer.json was written with (SHA-256 differs): ${fix}`);
  const model = await loadModel(at);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const weights = meta.specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(values.subarray(offset, offset + size), s.shape, s.dtype);
    offset += size;
    return { name: s.name, tensor };
  });
  return { model, optimizer: { weights, extra: meta.extra }, state };
}
