// The data sets the library knows, registered once: import from here (not from spec.ts) to look one up.
import { CIFAR10 } from './cifar10';
import { MNIST } from './mnist';
import { FetchOptions } from './fetch';
import { ImageDataset } from './dataset';
import { datasetSpec, DatasetSpec, registerDataset } from './spec';

registerDataset(MNIST);
registerDataset(CIFAR10);

export { datasetNames, datasetOfShape, datasetsTraining, datasetSpec, registerDataset } from './spec';
export type { DatasetSpec } from './spec';

/** A split ('train', 'test', or 'sample': the embedded test images) of a data set. */
export function loadDataset(dataset: string | DatasetSpec, split: string, opts: FetchOptions & { limit?: number } = {}): Promise<ImageDataset> {
  return (typeof dataset === 'string' ? datasetSpec(dataset) : dataset).load(split, opts);
}
