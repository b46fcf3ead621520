// Getting a data file into the cache: from the cache itself, a local mirror, or the internet, in
// that order, always checked against its md5 and always written atomically.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DATA_CACHE } from '../paths';
import { writeFileAtomic } from '../io/atomic';

export interface RemoteFile {
  /** File name, as the publisher names it (`train-images-idx3-ubyte.gz`). */
  name: string;
  /** Sub-folder of the cache and of the mirror (`mnist`). */
  dataset: string;
  /** Checked on every fetch; absent only where the publisher gives none (then the caller checks the contents). */
  md5?: string;
  /** Where it can be downloaded, tried in order. */
  urls: string[];
}

export type FetchProgress = (p: { file: string; received: number; total: number | null }) => void;

export function md5(bytes: Uint8Array): string {
  return crypto.createHash('md5').update(bytes).digest('hex');
}

function checked(bytes: Uint8Array, file: RemoteFile, from: string): Uint8Array {
  if (!file.md5) return bytes;
  const got = md5(bytes);
  if (got !== file.md5) throw new Error(`${file.name} from ${from}: bad checksum: md5 ${got}, expected ${file.md5}`);
  return bytes;
}

/** A mirror is a folder laid out as <dataset>/<name>, read instead of the internet. */
function mirrorPath(file: RemoteFile, mirror: string | undefined): string | null {
  if (!mirror) return null;
  const p = path.join(mirror, file.dataset, file.name);
  return fs.existsSync(p) ? p : null;
}

async function download(url: string, onProgress?: FetchProgress, name = url): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || null;
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    received += chunk.length;
    onProgress?.({ file: name, received, total });
  }
  return Buffer.concat(chunks);
}

export interface FetchOptions {
  onProgress?: FetchProgress;
  /** Default: data/cache, or AT_ODDS_DATA_CACHE. */
  cacheDir?: string;
  /** Default: AT_ODDS_DATA_MIRROR; '' for none. */
  mirror?: string;
}

/** The path of the file in the cache, fetching it first if needed. */
export async function fetchFile(file: RemoteFile, opts: FetchOptions = {}): Promise<string> {
  const { onProgress } = opts;
  const target = path.join(opts.cacheDir ?? DATA_CACHE, file.dataset, file.name);
  if (fs.existsSync(target)) {
    if (!file.md5 || md5(fs.readFileSync(target)) === file.md5) return target;
    fs.rmSync(target); // a bad file from an older run: fetch it again
  }
  const mirrored = mirrorPath(file, opts.mirror ?? process.env.AT_ODDS_DATA_MIRROR);
  if (mirrored) {
    writeFileAtomic(target, checked(fs.readFileSync(mirrored), file, mirrored));
    return target;
  }
  const failures: string[] = [];
  for (const url of file.urls) {
    try {
      writeFileAtomic(target, checked(await download(url, onProgress, file.name), file, url));
      return target;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      failures.push(`${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
    }
  }
  throw new Error(`could not download ${file.name}:\n  ${failures.join('\n  ')}\n` +
    `Offline? Put the file in ${path.dirname(target)}, or point AT_ODDS_DATA_MIRROR at a folder with ${file.dataset}/${file.name}.`);
}
