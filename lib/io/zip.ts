// Reading the entries of a zip archive (PyTorch's file format since 1.6), from its central directory.
import * as zlib from 'zlib';

export interface ZipEntry {
  name: string;
  /** The entry's bytes; stored entries are views into the archive, not copies. */
  read(): Uint8Array;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZip(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${source}: truncated or not a zip archive (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (p === 0xffffffff || count === 0xffff) throw new Error(`${source}: a zip64 archive (over 4 GB), which at-odds does not read`);
  const entries = new Map<string, ZipEntry>();
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw new Error(`${source}: corrupt zip central directory at entry ${k}`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    entries.set(name, {
      name,
      read() {
        if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) throw new Error(`${source}: corrupt zip entry ${name}`);
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        if (start + compressed > buf.length) throw new Error(`${source}: truncated: zip entry ${name} runs past the end of the file`);
        const stored = buf.subarray(start, start + compressed);
        let data: Buffer;
        if (method === 0) data = stored;
        else if (method === 8) {
          try {
            data = zlib.inflateRawSync(stored);
          } catch (e) {
            throw new Error(`${source}: zip entry ${name} does not inflate (${(e as Error).message}): a corrupt file`);
          }
        } else throw new Error(`${source}: zip entry ${name} uses compression method ${method}`);
        // The archive's own checksum: a changed byte in a weight is otherwise a silently different model.
        if (crc32(data) !== crc) throw new Error(`${source}: zip entry ${name} fails its CRC-32 check: a corrupt file`);
        return data;
      },
    });
  }
  return entries;
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE), as zip archives store it; zlib's where Node has it (>= 20.15). */
function crc32(data: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
