// Data sets by name, as the command line names them.
import { FetchProgress } from './fetch';
import { ImageDataset } from './dataset';
import { loadMnist, MnistSplit } from './mnist';

export const DATASETS = ['mnist'] as const;

export async function loadDataset(name: string, split: string, opts: { limit?: number; onProgress?: FetchProgress } = {}): Promise<ImageDataset> {
  switch (name) {
    case 'mnist': return loadMnist(split as MnistSplit, opts);
    default: throw new Error(`unknown dataset '${name}': use ${DATASETS.join(', ')}`);
  }
}
