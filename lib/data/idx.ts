// The IDX format of the MNIST files: a magic number that names the element type and the rank,
// one big-endian uint32 per dimension, then the data. We read only the unsigned-byte kind MNIST uses.
import * as zlib from 'zlib';

export interface IdxArray {
  /** [count, rows, cols] for images, [count] for labels. */
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an IDX file, gzipped or not. `name` goes into every error, so a user knows which file is bad. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  let raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = zlib.gunzipSync(raw);
    } catch (e) {
      throw new Error(`${name}: bad gzip data (${(e as Error).message}); delete the file and download it again`);
    }
  }
  if (raw.length < 4) throw new Error(`${name}: truncated: ${raw.length} bytes is too short for an IDX header`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new Error(`${name}: not an IDX file: wrong magic number 0x${raw.readUInt32BE(0).toString(16).padStart(8, '0')}`);
  }
  const type = raw[2];
  const rank = raw[3];
  if (type !== UBYTE) throw new Error(`${name}: IDX element type 0x${type.toString(16)} is not unsigned byte (0x08)`);
  if (rank < 1 || rank > 4) throw new Error(`${name}: IDX rank ${rank} is not 1 to 4`);
  const header = 4 + 4 * rank;
  if (raw.length < header) throw new Error(`${name}: truncated: ${raw.length} bytes is too short for a rank-${rank} IDX header`);
  const shape = Array.from({ length: rank }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1);
  if (raw.length < header + size) {
    throw new Error(`${name}: truncated: the header says [${shape.join(', ')}] = ${size} bytes of data, the file has ${raw.length - header}`);
  }
  if (raw.length > header + size) {
    throw new Error(`${name}: ${raw.length - header - size} bytes after the [${shape.join(', ')}] data: not an IDX file, or a corrupt one`);
  }
  return { shape, data: new Uint8Array(raw.buffer, raw.byteOffset + header, size) };
}

/** Encodes an IDX file of unsigned bytes (for the embedded samples and test fixtures). */
export function encodeIdx(shape: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt32BE(0x0800 + shape.length, 0);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}
