// The paper's Figure 1: standard accuracy against the size of the training set, for standard and
// adversarial training. Every run sees the same number of images, so small sets get many epochs.
import * as fs from 'fs';
import * as path from 'path';
import { attackSpec } from '../attacks/spec';
import { Norm } from '../attacks/threat';
import { ImageDataset, subset } from '../data/dataset';
import { evaluate } from '../eval/accuracy';
import { readCsv, writeCsv } from '../io/csv';
import { CnnName, madryCnn } from '../models/cnn';
import { labelled, OnProgress } from '../progress';
import { train } from '../train/loop';

export interface TrainSizeSpec {
  architecture: CnnName;
  /** Training-set sizes: the first n images of the training set. */
  sizes: number[];
  threat: Norm;
  /** eps_train of each curve; 0 is standard training. */
  epsList: number[];
  pgdSteps: number;
  /** Images every run sees: epochs = imagesSeen / n, rounded, at least one. */
  imagesSeen: number;
  lr: number;
  batchSize: number;
  seed: number;
}

/** What we ran for the shipped data/models/mnist/train-size.csv. */
export const MNIST_TRAIN_SIZE: TrainSizeSpec = {
  architecture: 'small', sizes: [250, 1000, 4000, 15000, 60000], threat: 'l2', epsList: [0, 1, 2], pgdSteps: 7,
  imagesSeen: 30_000, lr: 1e-3, batchSize: 50, seed: 0,
};

export interface TrainSizeRow {
  [key: string]: number | string;
  n: number;
  threat: string;
  eps_train: number;
  epochs: number;
  /** On the test set given to the sweep. */
  std_acc: number;
  test_n: number;
  train_seconds: number;
}

/**
 * Runs every (size, eps_train) pair not yet in `out`/train-size.csv, adding its row as it finishes;
 * an interrupted run resumes from its last epoch (`out`/runs/n<size>-eps<eps>).
 */
export async function trainSizeSweep(spec: TrainSizeSpec, trainSet: ImageDataset, testSet: ImageDataset, out: string, onProgress?: OnProgress): Promise<TrainSizeRow[]> {
  const bad = spec.sizes.find((n) => !(Number.isInteger(n) && n >= spec.batchSize && n <= trainSet.n));
  if (bad !== undefined) throw new Error(`training-set size ${bad} must be an integer in ${spec.batchSize}..${trainSet.n}`);
  const csv = path.join(out, 'train-size.csv');
  const rows = (fs.existsSync(csv) ? readCsv(csv) : []) as TrainSizeRow[];
  for (const n of spec.sizes) {
    for (const eps of spec.epsList) {
      if (rows.some((r) => r.n === n && r.eps_train === eps && r.threat === spec.threat)) continue;
      const epochs = Math.max(1, Math.round(spec.imagesSeen / n));
      const model = madryCnn(spec.architecture, spec.seed);
      const adversarial = eps > 0 ? attackSpec({ threat: spec.threat, eps, steps: spec.pgdSteps }) : undefined;
      const history = await train(model, subset(trainSet, 0, n), {
        epochs, batchSize: spec.batchSize, seed: spec.seed, optimizer: { name: 'adam', lr: spec.lr }, adversarial,
        out: path.join(out, 'runs', `n${n}-eps${eps}`), resume: true, onProgress: labelled(onProgress, `n ${n}, eps_train ${eps}`),
      });
      const r = await evaluate(model, testSet);
      model.dispose();
      rows.push({ n, threat: spec.threat, eps_train: eps, epochs, std_acc: r.std_acc, test_n: r.n, train_seconds: +history.reduce((s, h) => s + h.seconds, 0).toFixed(1) });
      writeCsv(csv, rows);
    }
  }
  return rows.filter((r) => spec.sizes.includes(r.n) && spec.epsList.includes(r.eps_train) && r.threat === spec.threat);
}
