// MNIST: 60,000 training and 10,000 test digits, 28x28 gray, from the four official IDX files.
import * as fs from 'fs';
import * as path from 'path';
import { DATA_SAMPLES } from '../paths';
import { FetchOptions, fetchFile, RemoteFile } from './fetch';
import { parseIdx } from './idx';
import { ImageDataset, subset } from './dataset';
import type { DatasetSpec } from './spec';

const MIRRORS = [
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'http://yann.lecun.com/exdb/mnist/',
];

const file = (name: string, md5: string): RemoteFile => ({ name, dataset: 'mnist', md5, urls: MIRRORS.map((m) => m + name) });

export const MNIST_FILES = {
  train: {
    images: file('train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'),
    labels: file('train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'),
    count: 60_000,
  },
  test: {
    images: file('t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'),
    labels: file('t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'),
    count: 10_000,
  },
};

/** The embedded sample: the first 2,000 test digits, committed under data/samples/mnist. */
export const MNIST_SAMPLE = {
  images: path.join(DATA_SAMPLES, 'mnist', 't10k-images-first2000-idx3-ubyte.gz'),
  labels: path.join(DATA_SAMPLES, 'mnist', 't10k-labels-first2000-idx1-ubyte.gz'),
  count: 2_000,
};

/** Checks a pair of IDX files against each other and against MNIST's shape. */
export function mnistFromIdx(imageBytes: Uint8Array, labelBytes: Uint8Array, names: [string, string], expected?: number): ImageDataset {
  const images = parseIdx(imageBytes, names[0]);
  const labels = parseIdx(labelBytes, names[1]);
  if (images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new Error(`${names[0]}: MNIST images are [n, 28, 28], this file holds [${images.shape.join(', ')}]`);
  }
  if (labels.shape.length !== 1) throw new Error(`${names[1]}: labels are [n], this file holds [${labels.shape.join(', ')}]`);
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(`${names[0]} has ${images.shape[0]} images but ${names[1]} has ${labels.shape[0]} labels`);
  }
  if (expected !== undefined && images.shape[0] !== expected) {
    throw new Error(`${names[0]}: expected ${expected} images, found ${images.shape[0]}`);
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new Error(`${names[1]}: label ${labels.data[bad]} at index ${bad} is not a digit`);
  return { name: 'mnist', images: images.data, labels: labels.data, n: images.shape[0], height: 28, width: 28, channels: 1, classes: 10 };
}

export type MnistSplit = 'train' | 'test' | 'sample';

/**
 * Loads a split: 'train' and 'test' from the cache (fetched from AT_ODDS_DATA_MIRROR or the internet
 * on first use), 'sample' from the repository. `limit` keeps the first n images.
 */
export async function loadMnist(split: MnistSplit, opts: FetchOptions & { limit?: number } = {}): Promise<ImageDataset> {
  let ds: ImageDataset;
  if (split === 'sample') {
    const missing = [MNIST_SAMPLE.images, MNIST_SAMPLE.labels].filter((f) => !fs.existsSync(f));
    if (missing.length) throw new Error(`the embedded MNIST sample ${missing.join(', ')} is missing: restore it with git checkout -- data/samples`);
    ds = mnistFromIdx(fs.readFileSync(MNIST_SAMPLE.images), fs.readFileSync(MNIST_SAMPLE.labels),
      [MNIST_SAMPLE.images, MNIST_SAMPLE.labels], MNIST_SAMPLE.count);
  } else if (split === 'train' || split === 'test') {
    const f = MNIST_FILES[split];
    const [images, labels] = [await fetchFile(f.images, opts), await fetchFile(f.labels, opts)];
    ds = mnistFromIdx(fs.readFileSync(images), fs.readFileSync(labels), [images, labels], f.count);
  } else {
    throw new Error(`MNIST split must be train, test or sample, got '${split}'`);
  }
  return opts.limit === undefined ? ds : subset(ds, 0, opts.limit);
}


/** MNIST as a data set of the library: what the chapters, training and the explorer need to know. */
export const MNIST: DatasetSpec = {
  name: 'mnist', title: 'MNIST', shape: [28, 28, 1], classes: 10, noun: 'digit', trainingSetSize: 60_000,
  load: (split, opts) => loadMnist(split as MnistSplit, opts),
  epsInLevels: false,
  epsGrids: { linf: [0, 0.1, 0.2, 0.3, 0.4], l2: [0, 1, 2, 3, 4] },
  training: { batchSize: 50 },
  architectures: { default: 'madry', families: ['madry', 'small'], choices: 'madry or small' },
  chapter: {
    grid: 'small',
    features: { standard: 'standard', 'ℓ∞ 0.3': 'linf-0.3', 'ℓ2 3 (small)': 'small-l2-3' },
    // The small networks: the page carries them (0.4 MB each) and attacks them live.
    explorer: { standard: 'small-standard', 'robust (ℓ∞ 0.3)': 'small-linf-0.3' },
  },
  explorer: { ranges: { linf: { max: 0.5, step: 0.005 }, l2: { max: 6, step: 0.05 } }, canDraw: true },
  profiles: {
    quick: { train: false, testSplit: 'sample', attackImages: 250, pgdSteps: 20 },
    full: { train: true, testSplit: 'test', attackImages: 10_000, pgdSteps: 40 },
  },
};
