// Convolution filters looked up by their values, for the wasm backend.
//
// XNNPACK packs a convolution's filter the first time it meets its tensor and keeps the packing while
// that tensor lives: 0.8 ms for ResNet-9's 3x3x128x128 filter, as long again as the convolution itself on
// 8 images at 4x4. In inference our convolutions fold batch norm into their filters at every call
// (lib/models/conv.ts), so every PGD step hands XNNPACK new tensors holding the same values, and the
// input gradient flips each one again (lib/backend/training-kernels.ts). Looked up by value, a
// convolution gets the tensor that XNNPACK has already packed, and its flipped filter made once.
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';

/** What tfjs-backend-wasm offers beyond KernelBackend that this file uses. */
interface WasmBackend extends KernelBackend {
  /** A view of the tensor's values on the wasm heap (no copy; invalid once the heap grows). */
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset: undefined, values: Float32Array): TensorInfo;
}

interface Entry {
  /** A copy of the filter, kept alive so that XNNPACK keeps its packing of it. */
  kept: TensorInfo;
  /** Tensors made from it (the input gradient's flipped filter), freed with it. */
  derived: Map<string, TensorInfo>;
  bytes: number;
}

/** Where a filter is looked for: its shape and a sample of its bits (the whole is compared on a hit). */
function keyOf(shape: number[], bits: Uint32Array): string {
  let hash = bits.length;
  const stride = Math.max(1, Math.floor(bits.length / 64));
  for (let i = 0; i < bits.length; i += stride) hash = (Math.imul(hash, 31) + bits[i]) | 0;
  return `${shape.join('x')}:${hash}`;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const bitsOf = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);

export class PackedFilters {
  /** In order of last use, oldest first. */
  private entries = new Map<string, Entry>();
  private held = 0;

  /** `limitBytes`: what the kept copies may hold together; the least recently used go first. */
  constructor(private backend: WasmBackend, private limitBytes = 32 * 2 ** 20) {}

  /** Bytes of filters kept, derived tensors included. */
  get bytes(): number { return this.held; }

  /**
   * The kept tensor with `filter`'s values, bit for bit: the same tensor for every filter with those
   * values, until it is evicted. Its owner is this cache: never dispose it.
   */
  kept(filter: TensorInfo): TensorInfo {
    return this.entry(filter).kept;
  }

  /**
   * `make(kept)`, made once per filter value and `name` and kept with it. Its owner is this cache.
   */
  derived(filter: TensorInfo, name: string, make: (kept: TensorInfo) => TensorInfo): TensorInfo {
    const e = this.entry(filter);
    let d = e.derived.get(name);
    if (d == null) {
      d = make(e.kept);
      e.derived.set(name, d);
      const bytes = 4 * d.shape.reduce((a, b) => a * b, 1);
      e.bytes += bytes;
      this.held += bytes;
      this.evict();
    }
    return d;
  }

  /** Frees every kept tensor. */
  clear(): void {
    for (const e of this.entries.values()) this.free(e);
    this.entries.clear();
  }

  private entry(filter: TensorInfo): Entry {
    if (filter.dtype !== 'float32') throw new Error(`a convolution filter must be float32, got ${filter.dtype}`);
    const values = this.backend.typedArrayFromHeap(filter);
    const key = keyOf(filter.shape, bitsOf(values));
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      if (sameBits(bitsOf(this.backend.typedArrayFromHeap(found.kept)), bitsOf(values))) {
        this.entries.set(key, found);
        return found;
      }
      this.free(found);
    }
    // A copy off the heap first: making the kept tensor may grow the heap, which detaches `values`.
    const kept = this.backend.makeOutput(filter.shape, 'float32', undefined, values.slice());
    const e: Entry = { kept, derived: new Map(), bytes: 4 * values.length };
    this.entries.set(key, e);
    this.held += e.bytes;
    this.evict();
    return e;
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      // The newest entry stays even alone over the limit: it is in use.
      if (this.held <= this.limitBytes || this.entries.size === 1) break;
      this.entries.delete(key);
      this.free(e);
    }
  }

  private free(e: Entry): void {
    for (const d of e.derived.values()) this.backend.disposeData(d.dataId);
    this.backend.disposeData(e.kept.dataId);
    this.held -= e.bytes;
  }
}

const caches = new WeakMap<KernelBackend, PackedFilters>();

/** The cache of a wasm backend instance. */
export function packedFilters(backend: KernelBackend): PackedFilters {
  let c = caches.get(backend);
  if (!c) {
    c = new PackedFilters(backend as WasmBackend);
    caches.set(backend, c);
  }
  return c;
}
