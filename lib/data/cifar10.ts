// CIFAR-10: 50,000 training and 10,000 test colour images, 32x32, in 10 classes, from the official
// binary version: each record is one label byte and 3,072 pixel bytes (1,024 red, 1,024 green, 1,024
// blue, each plane row-major).
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { DATA_CACHE, DATA_SAMPLES } from '../paths';
import { writeFileAtomic } from '../io/atomic';
import { FetchOptions, fetchFile, RemoteFile } from './fetch';
import { ImageDataset, subset } from './dataset';
import { CROPS_AND_FLIPS } from './augment';
import type { DatasetSpec } from './spec';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
export const CIFAR10_RECORD = 1 + 3 * PIXELS;

export const CIFAR10_ARCHIVE: RemoteFile = {
  name: 'cifar-10-binary.tar.gz', dataset: 'cifar10', md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
};

/** The archive's folder, which the offline mirror also uses. */
const FOLDER = 'cifar-10-batches-bin';
export const CIFAR10_MEMBERS = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
  meta: 'batches.meta.txt',
};
const ALL_MEMBERS = [...CIFAR10_MEMBERS.train, ...CIFAR10_MEMBERS.test, CIFAR10_MEMBERS.meta];

/** The embedded sample: the first 500 records of the official test batch, in the same format. */
export const CIFAR10_SAMPLE = { file: path.join(DATA_SAMPLES, 'cifar10', 'test_batch-first500.bin'), count: 500 };

/** The class names in label order, as the archive's batches.meta.txt lists them (the loader reads that file). */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * Records of a batch file as an ImageDataset: pixels reordered to [n, 32, 32, 3]. Any whole number
 * of records is accepted (the offline mirror's test batch is shorter than the official one).
 */
export function parseCifar10(bytes: Uint8Array, name: string): ImageDataset {
  if (bytes.length === 0) throw new Error(`${name}: empty file, expected ${CIFAR10_RECORD}-byte CIFAR-10 records`);
  if (bytes.length % CIFAR10_RECORD !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD);
    throw new Error(`${name}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD}-byte CIFAR-10 records (${whole} records and ${bytes.length - whole * CIFAR10_RECORD} bytes left over): truncated or not a CIFAR-10 batch`);
  }
  const n = bytes.length / CIFAR10_RECORD;
  const labels = new Uint8Array(n);
  const images = new Uint8Array(n * 3 * PIXELS);
  for (let i = 0; i < n; i++) {
    const r = i * CIFAR10_RECORD;
    if (bytes[r] > 9) throw new Error(`${name}: record ${i} has label ${bytes[r]}, outside 0-9 (a misaligned or corrupt file)`);
    labels[i] = bytes[r];
    const out = i * 3 * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      images[out + 3 * p] = bytes[r + 1 + p];
      images[out + 3 * p + 1] = bytes[r + 1 + PIXELS + p];
      images[out + 3 * p + 2] = bytes[r + 1 + 2 * PIXELS + p];
    }
  }
  return { name: 'cifar10', images, labels, n, height: SIDE, width: SIDE, channels: 3, classes: 10, classNames: CIFAR10_CLASSES };
}

/** The ten class names of batches.meta.txt, one a line. */
export function parseCifar10Meta(text: string, name: string): string[] {
  const names = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (names.length !== 10) throw new Error(`${name}: expected the 10 CIFAR-10 class names, one a line, found ${names.length}`);
  return names;
}

/** Several batch files as one data set. */
function concat(parts: ImageDataset[]): ImageDataset {
  const n = parts.reduce((s, p) => s + p.n, 0);
  const images = new Uint8Array(n * 3 * PIXELS);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * 3 * PIXELS);
    labels.set(p.labels, at);
    at += p.n;
  }
  return { ...parts[0], images, labels, n };
}

/**
 * The members of the official archive, extracted (with tar-stream) into `dir`, each written
 * atomically; a missing member is an error that names it.
 */
export async function extractCifar10(archive: string, dir: string): Promise<void> {
  const tar = require('tar-stream') as typeof import('tar-stream');
  const found = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      const base = path.posix.basename(header.name);
      if (header.type === 'file' && ALL_MEMBERS.includes(base)) found.set(base, Buffer.concat(chunks));
      next();
    });
  });
  let tarBytes: Buffer;
  try {
    tarBytes = zlib.gunzipSync(fs.readFileSync(archive));
  } catch (e) {
    throw new Error(`${archive}: not a readable tar.gz archive: ${(e as Error).message}`);
  }
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', (e: Error) => reject(new Error(`${archive}: not a readable tar archive: ${e.message}`)));
    extract.end(tarBytes);
  });
  const missing = ALL_MEMBERS.filter((m) => !found.has(m));
  if (missing.length) throw new Error(`${archive}: the archive has no ${missing.map((m) => `${FOLDER}/${m}`).join(', ')}`);
  for (const [name, bytes] of found) writeFileAtomic(path.join(dir, name), bytes);
}

/**
 * The folder that holds the batch files: the cache (once extracted from the official archive), else
 * the offline mirror's cifar-10-batches-bin, else the archive is downloaded, checked and extracted.
 */
export async function cifar10BatchesDir(opts: FetchOptions = {}): Promise<string> {
  const cached = path.join(opts.cacheDir ?? DATA_CACHE, 'cifar10', FOLDER);
  if (ALL_MEMBERS.every((m) => fs.existsSync(path.join(cached, m)))) return cached;
  const mirror = opts.mirror ?? process.env.AT_ODDS_DATA_MIRROR;
  const mirrored = mirror ? path.join(mirror, FOLDER) : null;
  if (mirrored && fs.existsSync(mirrored)) {
    const missing = ALL_MEMBERS.filter((m) => !fs.existsSync(path.join(mirrored, m)));
    if (missing.length) throw new Error(`the mirror ${mirrored} lacks ${missing.join(', ')}`);
    return mirrored;
  }
  await extractCifar10(await fetchFile(CIFAR10_ARCHIVE, opts), cached);
  return cached;
}

export type Cifar10Split = 'train' | 'test' | 'sample';

/**
 * Loads a split: 'train' (50,000) and 'test' (10,000 from the official archive; the offline mirror
 * has the first 1,017) fetched on first use, 'sample' (500 test images) from the repository.
 * `limit` keeps the first n images.
 */
export async function loadCifar10(split: Cifar10Split, opts: FetchOptions & { limit?: number } = {}): Promise<ImageDataset> {
  let ds: ImageDataset;
  if (split === 'sample') {
    if (!fs.existsSync(CIFAR10_SAMPLE.file)) throw new Error(`the embedded CIFAR-10 sample ${CIFAR10_SAMPLE.file} is missing: restore it with git checkout -- data/samples`);
    ds = parseCifar10(fs.readFileSync(CIFAR10_SAMPLE.file), CIFAR10_SAMPLE.file);
  } else if (split === 'train' || split === 'test') {
    const dir = await cifar10BatchesDir(opts);
    ds = concat(CIFAR10_MEMBERS[split].map((m) => parseCifar10(fs.readFileSync(path.join(dir, m)), path.join(dir, m))));
    const meta = path.join(dir, CIFAR10_MEMBERS.meta);
    ds.classNames = parseCifar10Meta(fs.readFileSync(meta, 'utf8'), meta);
    if (split === 'train' && ds.n !== 50_000) throw new Error(`${dir}: the five training batches hold ${ds.n} images, expected 50,000`);
  } else {
    throw new Error(`CIFAR-10 split must be train, test or sample, got '${split}'`);
  }
  return opts.limit === undefined ? ds : subset(ds, 0, opts.limit);
}

/** CIFAR-10 as a data set of the library: what the chapters, training and the explorer need to know. */
export const CIFAR10: DatasetSpec = {
  name: 'cifar10', title: 'CIFAR-10', shape: [32, 32, 3], classes: 10, noun: 'image', classNames: CIFAR10_CLASSES, trainingSetSize: 50_000,
  load: (split, opts) => loadCifar10(split as Cifar10Split, opts),
  epsInLevels: true,
  epsGrids: { linf: [0, 2, 4, 8, 12, 16].map((k) => k / 255), l2: [0, 0.25, 0.5, 1, 1.5, 2] },
  training: { batchSize: 128, augmentation: CROPS_AND_FLIPS },
  architectures: { default: 'resnet9-16', families: ['resnet9'], choices: 'resnet9 (with --width W)' },
  chapter: {
    grid: 'resnet9-16',
    features: { standard: 'standard', 'ℓ∞ 8/255': 'linf-8', 'ℓ2 1.0': 'l2-1.0' },
    explorer: { standard: 'standard', 'robust (ℓ∞ 8/255)': 'linf-8' },
  },
  explorer: { ranges: { linf: { max: 16 / 255, step: 0.25 / 255 }, l2: { max: 2, step: 0.02 } }, canDraw: false },
  profiles: {
    quick: { train: false, testSplit: 'sample', attackImages: 200, pgdSteps: 10 },
    // The test split is the official 10,000 images, or the offline mirror's first 1,017.
    full: { train: true, testSplit: 'test', attackImages: 10_000, pgdSteps: 20 },
  },
};
