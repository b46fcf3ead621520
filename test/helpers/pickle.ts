// A few pickle opcodes, to write the hostile files a real torch.save never would.
export const op = {
  proto: [0x80, 2], stop: [0x2e], mark: [0x28], tuple: [0x74], emptyTuple: [0x29], emptyDict: [0x7d], emptyList: [0x5d],
  none: [0x4e], false: [0x89], reduce: [0x52], setitem: [0x73], appends: [0x65], binpersid: [0x51],
  int: (v: number) => (v >= 0 && v < 256 ? [0x4b, v] : [0x4a, ...le(v, 4)]),
  str: (s: string) => [0x58, ...le(Buffer.byteLength(s), 4), ...Buffer.from(s)],
  global: (module: string, name: string) => [0x63, ...Buffer.from(`${module}\n${name}\n`)],
  /** A long (LONG1), little-endian two's complement. */
  long: (v: bigint) => {
    const bytes: number[] = [];
    for (let x = v; x > 0n || (bytes.length && bytes[bytes.length - 1] & 0x80); x >>= 8n) bytes.push(Number(x & 0xffn));
    return [0x8a, bytes.length, ...bytes];
  },
};

export function le(v: number, n: number): number[] {
  const b = Buffer.alloc(n);
  if (n === 4) b.writeInt32LE(v);
  else b.writeBigInt64LE(BigInt(v));
  return [...b];
}

/** One pickle from opcode pieces, PROTO first and STOP last. */
export function pickle(...parts: number[][]): number[] {
  return [...op.proto, ...parts.flat(), ...op.stop];
}

/**
 * A legacy (PyTorch < 1.6) torch.save file: magic, version, system info, then `body` (a pickle that
 * names storage '0' of `numel` float32 elements), the storage keys, and the storage's bytes.
 */
export function legacyFile(body: number[], numel: number): Buffer {
  const magic = pickle(op.long(0x1950a86a20f9469cfc6cn));
  const version = pickle([0x4d, 1001 & 0xff, 1001 >> 8]); // BININT2
  const sysInfo = pickle(op.emptyDict);
  const keys = pickle(op.mark, op.str('0'), [0x6c]);
  return Buffer.from([...magic, ...version, ...sysInfo, ...body, ...keys, ...le(numel, 8), ...new Array(4 * numel).fill(0)]);
}

/** `{'w': tensor}` where the tensor is rebuilt from storage '0' with this offset, size and stride. */
export function tensorDict(numel: number, offset: number, size: number[], stride: number[]): number[] {
  const storage = [...op.mark, ...op.str('storage'), ...op.global('torch', 'FloatStorage'), ...op.str('0'), ...op.str('cpu'), ...op.int(numel), ...op.tuple, ...op.binpersid];
  const tuple = (xs: number[]) => [...op.mark, ...xs.flatMap(op.int), ...op.tuple];
  return pickle(op.emptyDict, op.str('w'), op.global('torch._utils', '_rebuild_tensor_v2'),
    op.mark, storage, op.int(offset), tuple(size), tuple(stride), op.false, op.global('collections', 'OrderedDict'), op.emptyTuple, op.reduce, op.tuple,
    op.reduce, op.setitem);
}
