// The page's side of lib/plots/pack.ts: base64, gunzip (the browser's DecompressionStream), unshuffle.
import type { Packed } from './data';

export function unshuffle(bytes: Uint8Array, stride: number): Uint8Array {
  const n = bytes.length / stride;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < stride; k++) out[i * stride + k] = bytes[k * n + i];
  return out;
}

export async function unpack(text: Packed, stride = 1): Promise<Uint8Array> {
  const bin = atob(text);
  const gz = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) gz[i] = bin.charCodeAt(i);
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return stride > 1 ? unshuffle(bytes, stride) : bytes;
}
