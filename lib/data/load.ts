// Data sets by name, as the command line names them.
import { FetchOptions } from './fetch';
import { ImageDataset } from './dataset';
import { loadMnist, MnistSplit } from './mnist';
import { Cifar10Split, loadCifar10 } from './cifar10';

export const DATASETS = ['mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** As people write them. */
export const DATASET_TITLES: Record<DatasetName, string> = { mnist: 'MNIST', cifar10: 'CIFAR-10' };

export function checkDataset(name: string): DatasetName {
  if (!(DATASETS as readonly string[]).includes(name)) throw new Error(`unknown dataset '${name}': use ${DATASETS.join(' or ')}`);
  return name as DatasetName;
}

/** A split ('train', 'test', or 'sample': the embedded test images) of a data set by name. */
export async function loadDataset(name: string, split: string, opts: FetchOptions & { limit?: number } = {}): Promise<ImageDataset> {
  switch (checkDataset(name)) {
    case 'mnist': return loadMnist(split as MnistSplit, opts);
    case 'cifar10': return loadCifar10(split as Cifar10Split, opts);
  }
}
