// Where a notebook's tensors are. A chapter's last cell disposes nothing, so that any cell can be run
// again; instead it accounts for every tensor still held: the models' weights and what the figures
// keep. What is left over is a leak, and a notebook that leaks dies in the middle of a lecture.
import * as tf from '@tensorflow/tfjs';

/** The ids of the tensors inside `v`: tensors, models' weights, and arrays and objects of them. */
function tensorIds(v: unknown, ids: Set<number>, seen: Set<object>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (v instanceof tf.Tensor) {
    if (!v.isDisposed) ids.add(v.id);
  } else if (v instanceof tf.LayersModel) {
    for (const w of v.weights) ids.add((w.read() as tf.Tensor).id);
  } else if (Array.isArray(v) || v instanceof Map || v instanceof Set) {
    for (const x of v.values()) tensorIds(x, ids, seen);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) tensorIds(x, ids, seen);
  }
}

export interface MemoryReport { total: number; held: Record<string, number>; unaccounted: number }

/** tf.memory()'s tensors, split by what holds them (`held`: name -> models, tensors, or objects of them). */
export function memoryAccount(held: Record<string, unknown>): MemoryReport {
  const all = new Set<number>();
  const counts: Record<string, number> = {};
  for (const [name, v] of Object.entries(held)) {
    const ids = new Set<number>();
    tensorIds(v, ids, new Set());
    counts[name] = [...ids].filter((id) => !all.has(id)).length;
    ids.forEach((id) => all.add(id));
  }
  const total = tf.memory().numTensors;
  return { total, held: counts, unaccounted: total - all.size };
}

/** 'tensors held: 90 = 82 in models + 8 in figures; 0 unaccounted for' */
export function memoryReport(held: Record<string, unknown>): string {
  const r = memoryAccount(held);
  return `tensors held: ${r.total} = ${Object.entries(r.held).map(([name, n]) => `${n} in ${name}`).join(' + ')}; ${r.unaccounted} unaccounted for`;
}
