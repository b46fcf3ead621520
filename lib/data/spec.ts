// A data set is one entry: everything the library and the chapters need to know about it, in one
// object, registered by name. Adding a data set is writing one of these (lib/data/README.md says how).
import type { Augmentation } from './augment';
import type { ImageDataset } from './dataset';
import type { FetchOptions } from './fetch';

/** How big a chapter's run is on a data set, in a profile (`quick` for a lecture, `full` for the paper's scale). */
export interface ChapterSizes {
  /** Train every recipe (resuming), or read the models we ship. */
  train: boolean;
  /** Test images: the embedded sample, or the test set (fetched once). */
  testSplit: 'sample' | 'test';
  /** Test images attacked for the accuracy table and curves. */
  attackImages: number;
  /** PGD steps of those attacks. */
  pgdSteps: number;
}

export interface DatasetSpec {
  /** As the command line and file names write it: 'mnist'. */
  name: string;
  /** As people write it: 'MNIST'. */
  title: string;
  /** One image: [height, width, channels]. */
  shape: [number, number, number];
  classes: number;
  /** What one image is called in captions: 'digit', 'image'. */
  noun: string;
  /** A name per class where it has them (CIFAR-10); class ids are shown otherwise. */
  classNames?: string[];
  /** Images in its training split: a shipped model must have seen all of them. */
  trainingSetSize: number;
  /** A split: 'train', 'test', or 'sample' (embedded in the repository, so the tests need no download). `limit` keeps the first n. */
  load(split: string, opts?: FetchOptions & { limit?: number }): Promise<ImageDataset>;
  /** eps is counted in 1/255 grey levels (photos: 8/255) rather than written as a decimal (digits: 0.3). */
  epsInLevels: boolean;
  /** The grids of eps on which the chapter measures robust accuracy, per norm. */
  epsGrids: { linf: number[]; l2: number[] };
  /** Training: the default batch size, and random crops and flips (none when absent). */
  training: { batchSize: number; augmentation?: Augmentation };
  /**
   * Architectures (lib/models/architectures.ts): `--model`'s default (a name), the families it trains, and
   * the choices in words for error messages.
   */
  architectures: { default: string; families: string[]; choices: string };
  /** The models (recipe names) of each of the chapter's figures. */
  chapter: {
    /** Figure 7's eps_train grid: the recipes of this architecture, only eps_train changing between them. */
    grid: string;
    /** Figures 2, 3 and 4: a label for each model shown. */
    features: Record<string, string>;
    /** The epsilon explorer's pair, run live in the page: networks small enough to carry in it. */
    explorer: Record<string, string>;
  };
  /** The epsilon explorer: the slider's range per norm, and a pad to draw an image on (digits). */
  explorer: { ranges: { linf: { max: number; step: number }; l2: { max: number; step: number } }; canDraw: boolean };
  profiles: { quick: ChapterSizes; full: ChapterSizes };
}

const REGISTRY = new Map<string, DatasetSpec>();

/** Adds a data set; its name must be new. */
export function registerDataset(spec: DatasetSpec): DatasetSpec {
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) throw new Error(`a data set's name is lower-case letters, digits and dashes, got '${spec.name}'`);
  if (REGISTRY.has(spec.name)) throw new Error(`a data set named '${spec.name}' is registered already`);
  if (spec.classNames && spec.classNames.length !== spec.classes) throw new Error(`${spec.name}: ${spec.classNames.length} class names for ${spec.classes} classes`);
  if (spec.shape.length !== 3 || !spec.shape.every((d) => Number.isInteger(d) && d >= 1)) throw new Error(`${spec.name}: shape must be [height, width, channels], got [${spec.shape}]`);
  REGISTRY.set(spec.name, spec);
  return spec;
}

/** The registered data sets' names, in the order they were registered. */
export function datasetNames(): string[] {
  return [...REGISTRY.keys()];
}

/** The data set `name`, or an error that lists the registered ones. */
export function datasetSpec(name: string): DatasetSpec {
  const spec = REGISTRY.get(name);
  if (!spec) throw new Error(`unknown dataset '${name}': use ${datasetNames().join(' or ')}`);
  return spec;
}

/** The data sets that train an architecture family ('madry', 'resnet9'). */
export function datasetsTraining(family: string): DatasetSpec[] {
  return [...REGISTRY.values()].filter((s) => s.architectures.families.includes(family));
}

/** The data set whose images have this shape ([H, W, C]), if exactly one has. */
export function datasetOfShape(shape: readonly (number | null)[]): DatasetSpec | undefined {
  const fits = [...REGISTRY.values()].filter((s) => s.shape.join('x') === shape.join('x'));
  return fits.length === 1 ? fits[0] : undefined;
}
