// Data sets by name, as the command line names them.
import { FetchOptions } from './fetch';
import { ImageDataset } from './dataset';
import { loadMnist, MnistSplit } from './mnist';

export const DATASETS = ['mnist'] as const;

export async function loadDataset(name: string, split: string, opts: FetchOptions & { limit?: number } = {}): Promise<ImageDataset> {
  switch (name) {
    case 'mnist': return loadMnist(split as MnistSplit, opts);
    default: throw new Error(`unknown dataset '${name}': use ${DATASETS.join(', ')}`);
  }
}
