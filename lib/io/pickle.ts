// A safe subset of Python's pickle, enough for PyTorch state dicts. It never runs code from the file:
// a GLOBAL names a class or function, and only those in `globals` (written in JavaScript) are
// allowed; anything else, and any opcode outside the subset, is an error that names it.

/** A Python dict: keys may be strings or numbers (optimizer state uses integer keys). */
export type PyDict = Map<unknown, unknown>;

/** What a GLOBAL may resolve to: called by REDUCE (or NEWOBJ) with the unpickled arguments. */
export type PyCallable = (...args: unknown[]) => unknown;

/**
 * A Python object of a class the unpickler does not know (an optimizer's schedule, training
 * arguments, anything dill wrote): kept as its class name, its arguments and its state, never run.
 */
export class Opaque {
  state: unknown = undefined;
  constructor(readonly className: string, readonly args: unknown[] = []) {}
}

/** A class or function the unpickler does not know: calling it only records the call. */
function opaqueGlobal(className: string): PyCallable {
  return Object.assign((...args: unknown[]) => new Opaque(className, args), { opaqueClass: className });
}

export interface UnpickleOptions {
  /** Allowed globals by 'module.name'. */
  globals: Record<string, PyCallable>;
  /**
   * Unknown globals become Opaque values instead of errors (default false). Nothing is run either
   * way; a reader that asks for a tensor and finds an Opaque names its class.
   */
  opaque?: boolean;
  /** BINPERSID: turns a persistent id (PyTorch: a storage reference) into a value. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Named in errors. */
  source: string;
}

/** The result of unpickling and the number of bytes read (a legacy PyTorch file holds several pickles). */
export interface Unpickled { value: unknown; end: number }

const MARK = Symbol('mark');
const MAX_CALL_ARGS = 16;

const OPCODE_NAMES: Record<number, string> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x7d: 'EMPTY_DICT', 0x5d: 'EMPTY_LIST', 0x29: 'EMPTY_TUPLE', 0x28: 'MARK',
  0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x94: 'MEMOIZE', 0x68: 'BINGET', 0x6a: 'LONG_BINGET', 0x58: 'BINUNICODE',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x55: 'SHORT_BINSTRING', 0x54: 'BINSTRING', 0x43: 'SHORT_BINBYTES',
  0x42: 'BINBYTES', 0x4a: 'BININT', 0x4b: 'BININT1', 0x4d: 'BININT2', 0x8a: 'LONG1', 0x47: 'BINFLOAT', 0x4e: 'NONE',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x74: 'TUPLE', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x6c: 'LIST',
  0x61: 'APPEND', 0x65: 'APPENDS', 0x64: 'DICT', 0x73: 'SETITEM', 0x75: 'SETITEMS', 0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL',
  0x52: 'REDUCE', 0x62: 'BUILD', 0x51: 'BINPERSID', 0x81: 'NEWOBJ', 0x2e: 'STOP', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS',
  // Known to pickle, outside our subset: named in the error.
  0x69: 'INST', 0x6f: 'OBJ', 0x92: 'NEWOBJ_EX', 0x50: 'PERSID', 0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING',
  0x56: 'UNICODE', 0x67: 'GET', 0x70: 'PUT', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x8b: 'LONG4', 0x91: 'FROZENSET',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP',
};

export function unpickle(bytes: Uint8Array, start: number, opts: UnpickleOptions): Unpickled {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;
  const fail = (msg: string): never => { throw new Error(`${opts.source}: ${msg} (pickle byte ${pos})`); };
  const need = (n: number) => { if (pos + n > buf.length) fail('truncated: the pickle ends early'); };
  const u8 = () => { need(1); return buf[pos++]; };
  const u16 = () => { need(2); pos += 2; return buf.readUInt16LE(pos - 2); };
  const u32 = () => { need(4); pos += 4; return buf.readUInt32LE(pos - 4); };
  const bytesOf = (n: number) => { need(n); pos += n; return buf.subarray(pos - n, pos); };
  const text = (n: number) => bytesOf(n).toString('utf8');
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('MARK expected on the stack');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const top = () => (stack.length ? stack[stack.length - 1] : fail('empty stack'));
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) fail('SETITEM on something that is not a dict');
    for (let i = 0; i < items.length; i += 2) (target as PyDict).set(items[i], items[i + 1]);
  };
  const call = (fn: unknown, args: unknown) => {
    if (typeof fn !== 'function') fail('REDUCE of something that is not an allowed class or function');
    if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
    // Spreading a huge tuple into a call would overflow the stack; no class we know takes more than a few.
    if ((args as unknown[]).length > MAX_CALL_ARGS) fail(`a call with ${(args as unknown[]).length} arguments (at most ${MAX_CALL_ARGS})`);
    return (fn as PyCallable)(...(args as unknown[]));
  };
  const resolve = (module: string, name: string) => {
    const fn = opts.globals[`${module}.${name}`];
    if (!fn && opts.opaque) return opaqueGlobal(`${module}.${name}`);
    if (!fn) fail(`unsupported pickle class ${module}.${name}: at-odds reads state dicts (tensors, dicts, lists, numbers, strings) and nothing that would run code`);
    return fn;
  };

  // A corrupt pickle can put any value where an opcode expects a list, a dict or a class: whatever
  // goes wrong inside is reported as the file's fault, with the byte it happened at.
  try {
    for (;;) {
      const at = pos;
      const op = u8();
      switch (op) {
        case 0x80: u8(); break; // PROTO
        case 0x95: bytesOf(8); break; // FRAME: a length we do not need
        case 0x7d: stack.push(new Map()); break;
        case 0x5d: stack.push([]); break;
        case 0x29: stack.push([]); break;
        case 0x8f: stack.push(new Set()); break;
        case 0x28: stack.push(MARK); break;
        case 0x71: memo.set(u8(), top()); break;
        case 0x72: memo.set(u32(), top()); break;
        case 0x94: memo.set(memo.size, top()); break;
        case 0x68: case 0x6a: {
          const k = op === 0x68 ? u8() : u32();
          if (!memo.has(k)) fail(`memo key ${k} is not defined`);
          stack.push(memo.get(k));
          break;
        }
        case 0x58: stack.push(text(u32())); break;
        case 0x8c: stack.push(text(u8())); break;
        case 0x8d: { const n = Number(buf.readBigUInt64LE((need(8), pos))); pos += 8; stack.push(text(n)); break; }
        case 0x55: stack.push(bytesOf(u8()).toString('latin1')); break;
        case 0x54: stack.push(bytesOf(u32()).toString('latin1')); break;
        case 0x43: stack.push(Uint8Array.from(bytesOf(u8()))); break;
        case 0x42: stack.push(Uint8Array.from(bytesOf(u32()))); break;
        case 0x4a: need(4); stack.push(buf.readInt32LE(pos)); pos += 4; break;
        case 0x4b: stack.push(u8()); break;
        case 0x4d: stack.push(u16()); break;
        case 0x8a: { // LONG1: little-endian two's complement
          const b = bytesOf(u8());
          let v = 0n;
          for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
          if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
          stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
          break;
        }
        case 0x47: need(8); stack.push(buf.readDoubleBE(pos)); pos += 8; break;
        case 0x4e: stack.push(null); break;
        case 0x88: stack.push(true); break;
        case 0x89: stack.push(false); break;
        case 0x74: stack.push(popMark()); break;
        case 0x85: stack.push(stack.splice(-1)); break;
        case 0x86: stack.push(stack.splice(-2)); break;
        case 0x87: stack.push(stack.splice(-3)); break;
        case 0x6c: stack.push(popMark()); break;
        case 0x61: { const v = stack.pop(); const list = top(); if (!Array.isArray(list)) fail('APPEND to something that is not a list'); (list as unknown[]).push(v); break; }
        case 0x65: { // APPENDS, one at a time: spreading 300,000 items into push() overflows the stack
          const items = popMark();
          const list = top();
          if (!Array.isArray(list)) fail('APPENDS to something that is not a list');
          for (const v of items) (list as unknown[]).push(v);
          break;
        }
        case 0x90: { const items = popMark(); const set = top(); if (!(set instanceof Set)) fail('ADDITEMS to something that is not a set'); for (const v of items) (set as Set<unknown>).add(v); break; }
        case 0x64: { const m = new Map(); setItems(m, popMark()); stack.push(m); break; }
        case 0x73: { const v = stack.pop(); const k = stack.pop(); setItems(top(), [k, v]); break; }
        case 0x75: { const items = popMark(); setItems(top(), items); break; }
        case 0x63: { // GLOBAL: "module\nname\n"
          const end1 = buf.indexOf(0x0a, pos);
          const end2 = end1 < 0 ? -1 : buf.indexOf(0x0a, end1 + 1);
          if (end2 < 0) fail('truncated GLOBAL');
          const module = buf.toString('utf8', pos, end1);
          const name = buf.toString('utf8', end1 + 1, end2);
          pos = end2 + 1;
          stack.push(resolve(module, name));
          break;
        }
        case 0x93: { const name = stack.pop() as string; const module = stack.pop() as string; stack.push(resolve(module, name)); break; }
        case 0x52: { const args = stack.pop(); const fn = stack.pop(); stack.push(call(fn, args)); break; }
        case 0x81: { const args = stack.pop(); const cls = stack.pop(); stack.push(call(cls, args)); break; }
        case 0x62: { // BUILD: a dict's state (OrderedDict's _metadata) is not needed; an Opaque keeps its own
          const state = stack.pop();
          const target = top();
          if (target instanceof Opaque) target.state = state;
          else if (!(target instanceof Map)) fail(`BUILD of an object with state ${typeof state}: not a state dict`);
          break;
        }
        case 0x51: {
          const pid = stack.pop();
          if (!opts.persistentLoad) fail('persistent id (BINPERSID) with no storage to load it from');
          stack.push(opts.persistentLoad!(pid));
          break;
        }
        case 0x2e: // STOP
          if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
          return { value: stack[0], end: pos };
        default:
          pos = at;
          return fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}${OPCODE_NAMES[op] ? ` (${OPCODE_NAMES[op]})` : ''}`);
      }
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${opts.source}:`)) throw e;
    return fail(`a corrupt pickle: ${(e as Error).message}`);
  }
}
