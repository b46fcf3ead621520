// Reading `torch.save` files without Python: the zip format (PyTorch >= 1.6) and the legacy format
// (before 1.6, still used by many published checkpoints), through the safe unpickler.
import * as fs from 'fs';
import { Opaque, PyCallable, PyDict, unpickle } from './pickle';
import { isZip, readZip } from './zip';

/** A tensor from a checkpoint, contiguous, row-major, as PyTorch shapes it (NCHW for convolutions). */
export interface TorchTensor {
  /** PyTorch's dtype: 'float32', 'float16', 'bfloat16', 'int64', ... */
  dtype: string;
  shape: number[];
  /** Floating types are read as float32; integer and bool types as float64 (exact below 2^53). */
  data: Float32Array | Float64Array;
}

interface StorageType { dtype: string; bytes: number }

const STORAGES: Record<string, StorageType> = {
  FloatStorage: { dtype: 'float32', bytes: 4 }, DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 }, BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 }, IntStorage: { dtype: 'int32', bytes: 4 }, ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 }, ByteStorage: { dtype: 'uint8', bytes: 1 }, BoolStorage: { dtype: 'bool', bytes: 1 },
};

interface Storage { type: StorageType; bytes: () => Uint8Array; numel: number }

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Element i of a storage, as a number. */
function reader(storage: Storage, source: string): (i: number) => number {
  const b = storage.bytes();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.byteLength < storage.numel * storage.type.bytes) {
    throw new Error(`${source}: truncated: a ${storage.type.dtype} storage of ${storage.numel} elements has ${b.byteLength} bytes`);
  }
  switch (storage.type.dtype) {
    case 'float32': return (i) => view.getFloat32(4 * i, true);
    case 'float64': return (i) => view.getFloat64(8 * i, true);
    case 'float16': return (i) => halfToFloat(view.getUint16(2 * i, true));
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(1);
      const float = new Float32Array(bits.buffer);
      return (i) => { bits[0] = view.getUint16(2 * i, true) << 16; return float[0]; };
    }
    case 'int64': return (i) => Number(view.getBigInt64(8 * i, true));
    case 'int32': return (i) => view.getInt32(4 * i, true);
    case 'int16': return (i) => view.getInt16(2 * i, true);
    case 'int8': return (i) => view.getInt8(i);
    default: return (i) => view.getUint8(i);
  }
}

/** torch._utils._rebuild_tensor_v2: a view (offset, size, stride) into a storage, copied out contiguous. */
function rebuildTensor(source: string) {
  return (storage: unknown, offset: unknown, size: unknown, stride: unknown): TorchTensor => {
    const s = storage as Storage;
    const shape = size as number[];
    const strides = stride as number[];
    const natural = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (!s || !s.type || !Array.isArray(shape) || !Array.isArray(strides) || !natural(offset) || !natural(s.numel)) {
      throw new Error(`${source}: a tensor with a malformed storage, size or stride`);
    }
    if (shape.length !== strides.length || !shape.every(natural) || !strides.every(natural)) {
      throw new Error(`${source}: a tensor of size [${shape}] with stride [${strides}]: sizes and strides must be as many, whole and >= 0`);
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const last = (offset as number) + shape.reduce((m, d, k) => m + (d - 1) * strides[k], 0);
    if (n > 0 && last >= s.numel) throw new Error(`${source}: a tensor [${shape}] reaches element ${last} of a storage of ${s.numel}`);
    // Every element of a checkpoint's tensor is stored: more elements than the storage holds would be
    // a stride-0 (expanded) view, which torch.save never needs, and a way to make us allocate gigabytes.
    if (n > s.numel) throw new Error(`${source}: a tensor [${shape}] of ${n} elements over a storage of ${s.numel}: not a saved weight`);
    const copy = () => {
      const floating = ['float32', 'float64', 'float16', 'bfloat16'].includes(s.type.dtype);
      const data = floating ? new Float32Array(n) : new Float64Array(n);
      const at = reader(s, source);
      const index = new Array(shape.length).fill(0);
      for (let i = 0; i < n; i++) {
        let p = offset as number;
        for (let k = 0; k < shape.length; k++) p += index[k] * strides[k];
        data[i] = at(p);
        for (let k = shape.length - 1; k >= 0 && ++index[k] === shape[k]; k--) index[k] = 0;
      }
      return data;
    };
    // Copied out on first use: in the legacy format the storages come after the pickle that names them.
    let data: Float32Array | Float64Array | undefined;
    return Object.defineProperty({ dtype: s.type.dtype, shape: [...shape] }, 'data', { enumerable: true, get: () => (data ??= copy()) }) as TorchTensor;
  };
}

function globals(source: string): Record<string, PyCallable> {
  const g: Record<string, PyCallable> = {
    'collections.OrderedDict': () => new Map(),
    'torch._utils._rebuild_tensor_v2': rebuildTensor(source),
    // PyTorch 0.3 and 0.4 wrote the same call without the _v2 (and without requires_grad).
    'torch._utils._rebuild_tensor': rebuildTensor(source),
    'torch._utils._rebuild_parameter': (data) => data,
  };
  // A storage type is only ever named, inside a persistent id, never called.
  for (const [name, type] of Object.entries(STORAGES)) g[`torch.${name}`] = Object.assign(() => type, { storageType: type });
  return g;
}

function storageType(cls: unknown, source: string): StorageType {
  const t = (cls as { storageType?: StorageType })?.storageType;
  if (!t) throw new Error(`${source}: a storage of an unknown type`);
  return t;
}

/** A storage's persistent id: ('storage', type, key, location, numel[, view]). */
function persistentId(pid: unknown, source: string): [string, unknown, string, unknown, number, unknown] {
  const p = pid as unknown[];
  if (!Array.isArray(p) || p.length < 5 || p[0] !== 'storage' || typeof p[2] !== 'string' || !Number.isSafeInteger(p[4]) || (p[4] as number) < 0) {
    throw new Error(`${source}: a persistent id that is not a storage's ('storage', type, key, location, size): a corrupt file`);
  }
  return p as [string, unknown, string, unknown, number, unknown];
}

function loadZip(bytes: Uint8Array, source: string): unknown {
  const entries = readZip(bytes, source);
  const pkl = [...entries.keys()].find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (!pkl) throw new Error(`${source}: a zip archive without data.pkl: not a PyTorch checkpoint`);
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const cache = new Map<string, Storage>();
  return unpickle(entries.get(pkl)!.read(), 0, {
    source, globals: globals(source), opaque: true,
    persistentLoad: (pid) => {
      const [, cls, key, , numel] = persistentId(pid, source);
      if (!cache.has(key)) {
        const entry = entries.get(`${prefix}data/${key}`);
        if (!entry) throw new Error(`${source}: storage ${key} is missing from the archive`);
        cache.set(key, { type: storageType(cls, source), numel, bytes: () => entry.read() });
      }
      return cache.get(key);
    },
  }).value;
}

function loadLegacy(bytes: Uint8Array, source: string): unknown {
  if (bytes[0] !== 0x80) throw new Error(`${source}: not a PyTorch checkpoint: neither a zip archive nor a pickle`);
  const plain = { source, globals: {} };
  const magic = unpickle(bytes, 0, plain);
  if (magic.value !== LEGACY_MAGIC) throw new Error(`${source}: not a PyTorch checkpoint (no zip archive and no legacy magic number)`);
  const version = unpickle(bytes, magic.end, plain);
  if (version.value !== 1001) throw new Error(`${source}: legacy format version ${String(version.value)}, expected 1001`);
  const sysInfo = unpickle(bytes, version.end, plain);
  const storages = new Map<string, Storage>();
  const obj = unpickle(bytes, sysInfo.end, {
    source, globals: globals(source), opaque: true,
    persistentLoad: (pid) => {
      const [, cls, key, , numel, view] = persistentId(pid, source);
      if (view) throw new Error(`${source}: storage views (PyTorch < 0.4) are not supported`);
      if (!storages.has(key)) storages.set(key, { type: storageType(cls, source), numel, bytes: () => { throw new Error(`${source}: storage ${key} was never read`); } });
      return storages.get(key);
    },
  });
  const keys = unpickle(bytes, obj.end, plain);
  // After the pickles, each storage in turn: an int64 element count, then the raw elements.
  let pos = keys.end;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.value as string[]) {
    const s = storages.get(key);
    if (pos + 8 > view.length) throw new Error(`${source}: truncated: storage ${key} is missing`);
    const numel = Number(view.readBigInt64LE(pos));
    pos += 8;
    if (!s) throw new Error(`${source}: storage ${key} is listed but no tensor uses it`);
    if (!Number.isSafeInteger(numel) || numel < 0) throw new Error(`${source}: storage ${key} declares ${numel} elements: a corrupt file`);
    const size = numel * s.type.bytes;
    if (pos + size > view.length) throw new Error(`${source}: truncated: storage ${key} needs ${size} bytes, ${view.length - pos} are left`);
    const data = view.subarray(pos, pos + size);
    s.bytes = () => data;
    pos += size;
  }
  return obj.value;
}

/** Reads a checkpoint written by torch.save, either format. Tensors become TorchTensors; dicts are Maps. */
export function readTorch(file: string): unknown {
  if (!fs.existsSync(file)) throw new Error(`no checkpoint at ${file}`);
  const bytes = fs.readFileSync(file);
  return isZip(bytes) ? loadZip(bytes, file) : loadLegacy(bytes, file);
}

export function isTensor(v: unknown): v is TorchTensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'data' in v && 'dtype' in v;
}

/** What a value is, for errors: 'a Python object of class argparse.Namespace', 'a list', ... */
function describe(v: unknown): string {
  if (v instanceof Opaque) return `a Python object of class ${v.className}`;
  if (v instanceof Map) return 'a dict';
  return Array.isArray(v) ? 'a list' : v === null ? 'None' : `a ${typeof v}`;
}

/** `value` as a tensor, or an error that says what it is instead (an opaque object names its class). */
export function tensorOf(value: unknown, what: string, source: string): TorchTensor {
  if (isTensor(value)) return value;
  throw new Error(`${source}: ${what} is ${describe(value)}, not a tensor`);
}

/**
 * The model's weights from a checkpoint: the dict under 'model' or 'state_dict' if there is one (some
 * research code wraps it in a one-element list), keys without the 'module.' that DataParallel adds.
 * Non-tensor entries are dropped; other entries (optimizer, schedule, arguments) are never read.
 */
export function stateDict(checkpoint: unknown, source = 'checkpoint'): Map<string, TorchTensor> {
  let d = checkpoint;
  for (const key of ['model', 'state_dict']) {
    if (!(d instanceof Map) || !d.has(key)) continue;
    let v = d.get(key);
    if (Array.isArray(v) && v.length === 1 && v[0] instanceof Map) v = v[0];
    if (!(v instanceof Map)) throw new Error(`${source}: '${key}' is ${describe(v)}, not a state dict (a dict of tensors)`);
    d = v;
    break;
  }
  if (!(d instanceof Map)) throw new Error(`${source}: no state dict (a dict of tensors) inside`);
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of d as PyDict) {
    if (typeof k === 'string' && isTensor(v)) out.set(k.startsWith('module.') ? k.slice('module.'.length) : k, v);
  }
  if (out.size === 0) throw new Error(`${source}: the state dict holds no tensors`);
  return out;
}
