// The models of the chapters, for every data set: read from data/models/<dataset>/ (what we ship), or
// trained from their recipes (the full profiles), resuming wherever an earlier run stopped. The zoo
// sits above models, training and data: it is what joins them.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { writeFileAtomic } from '../io/atomic';
import { readJsonFile } from '../io/json';
import { architecture } from '../models/architectures';
import { loadModel, saveModel } from '../models/io';
import { ROOT } from '../paths';
import { labelled, OnProgress } from '../progress';
import { loadCheckpoint } from '../train/checkpoint';
import { EpochRow, train } from '../train/loop';
import { protocolDifferences, recipe, Recipe, recipeOfRun, recipesOf, RunConfig } from './recipes';
import { evaluate } from '../eval/accuracy';
import { datasetSpec, loadDataset } from '../data/datasets';

export const MODELS_DIR = path.join(ROOT, 'data', 'models');

/** Where a data set's shipped models are: data/models/<dataset>/. */
export function modelsDir(dataset: string): string {
  return path.join(MODELS_DIR, datasetSpec(dataset).name);
}

/** What a shipped model's training.json records: its recipe and how its training went. */
export interface TrainingRecord {
  recipe: Recipe;
  history: EpochRow[];
  /** Sum of the epochs' times. */
  seconds: number;
  backend: string;
}

export function trainingRecord(recipe: Recipe, history: EpochRow[], backend: string): TrainingRecord {
  return { recipe, history, seconds: history.reduce((s, h) => s + h.seconds, 0), backend };
}

export function shippedDir(dataset: string, name: string): string {
  return path.join(modelsDir(dataset), name);
}

export interface ZooModel { model: tf.LayersModel; record: TrainingRecord }

/** A model we ship, with how it was trained. */
export async function loadShipped(dataset: string, name: string): Promise<ZooModel> {
  recipe(dataset, name);
  const dir = shippedDir(dataset, name);
  if (!fs.existsSync(path.join(dir, 'model.json'))) throw new Error(`the shipped model '${name}' is missing from ${dir}: restore it with git, or train it (npm run train -- --dataset ${dataset} --recipe ${name})`);
  const record = readJsonFile<TrainingRecord>(path.join(dir, 'training.json'), `restore it with git checkout -- ${path.relative(process.cwd(), dir) || dir}`);
  return { model: await loadModel(dir), record };
}

/** The training options a recipe stands for. */
export function recipeOptions(r: Recipe) {
  return { epochs: r.epochs, batchSize: r.batchSize, seed: r.seed, optimizer: r.optimizer, adversarial: r.adversarial, augmentation: r.augmentation };
}

/** Trains a recipe into `out` (resuming a run already there) and returns the trained model. */
export async function trainRecipe(dataset: string, name: string, data: ImageDataset, out: string, onProgress?: OnProgress): Promise<ZooModel> {
  const r = recipe(dataset, name);
  if (data.name !== dataset) throw new Error(`the ${dataset} recipe '${name}' trains on ${dataset}, not on ${data.name}`);
  const model = architecture(r.architecture).build(r.seed, datasetSpec(dataset));
  const history = await train(model, data, { ...recipeOptions(r), out, resume: true, onProgress: labelled(onProgress, name) });
  return { model, record: trainingRecord(r, history, tf.getBackend()) };
}

/** The recipes of a data set whose model is not in data/models/<dataset>/. */
export function unshipped(dataset: string): string[] {
  return recipesOf(dataset).filter((r) => !fs.existsSync(path.join(shippedDir(dataset, r.name), 'model.json'))).map((r) => r.name);
}

/**
 * The models of a data set: each recipe's shipped model, or (with `train`) trained now into
 * `trainDir`/<name>. With `skipUnshipped`, recipes whose model is not shipped are left out (the
 * chapter says which) instead of stopping it.
 */
export async function zooModels(dataset: string, opts: { train?: { data: ImageDataset; dir: string }; onProgress?: OnProgress; skipUnshipped?: boolean } = {}): Promise<Record<string, ZooModel>> {
  const zoo: Record<string, ZooModel> = {};
  const skip = opts.train || !opts.skipUnshipped ? [] : unshipped(dataset);
  for (const r of recipesOf(dataset).filter((x) => !skip.includes(x.name))) {
    zoo[r.name] = opts.train ? await trainRecipe(dataset, r.name, opts.train.data, path.join(opts.train.dir, r.name), opts.onProgress) : await loadShipped(dataset, r.name);
  }
  return zoo;
}

function readRunConfig(run: string): RunConfig {
  return readJsonFile<RunConfig>(path.join(run, 'config.json'), `${run} is not a whole training run of npm run train`);
}

/** The data set a training run trained on, from its config.json. */
export function runDataset(run: string): string {
  return readRunConfig(run).dataset;
}

/** How far below its last epoch's training accuracy a model may score on the embedded test sample and still ship. */
const SHIP_TOLERANCE = 0.15;

/**
 * Copies a finished training run into data/models/<dataset>/<name>, weights as float16, with its
 * record. It checks what it ships: the recipe's protocol, every epoch done, the whole training set,
 * and the model's accuracy on the embedded test sample against the run's own record.
 */
export async function shipRun(dataset: string, name: string, run: string, dest?: string): Promise<TrainingRecord> {
  const r = recipe(dataset, name);
  const config = readRunConfig(run);
  if (config.dataset !== dataset) throw new Error(`${run} trained on ${config.dataset}, not on ${dataset}`);
  const differences = protocolDifferences(recipeOfRun(config), r, ['the run', `the recipe ${name}`]);
  if (differences.length) throw new Error(`${run} was not trained with the recipe '${name}':\n  ${differences.join('\n  ')}`);
  const full = datasetSpec(dataset).trainingSetSize;
  if (config.n !== full) throw new Error(`${run} trained on ${config.n} images; shipped models train on all ${full.toLocaleString('en-US')}`);
  const { model, optimizer, state } = await loadCheckpoint<EpochRow>(run);
  tf.dispose(optimizer.weights.map((w) => w.tensor));
  if (state.epoch !== r.epochs) throw new Error(`${run} has ${state.epoch} of the recipe's ${r.epochs} epochs: finish it with npm run train -- --dataset ${dataset} --recipe ${name} --out ${run} --resume`);
  const last = state.history[state.history.length - 1];
  const { std_acc: sampleAcc, n } = await evaluate(model, await loadDataset(dataset, 'sample'));
  if (sampleAcc < last.std_acc - SHIP_TOLERANCE) {
    model.dispose();
    throw new Error(`${run}: the model scores ${(100 * sampleAcc).toFixed(1)}% on the ${n} embedded test images, far below the ${(100 * last.std_acc).toFixed(1)}% of its last training epoch: these weights are not the ones the record describes; not shipped`);
  }
  const target = dest ?? shippedDir(dataset, name);
  await saveModel(model, target, { float16: true });
  model.dispose();
  const record = trainingRecord(r, state.history, config.backend ?? 'unknown');
  writeFileAtomic(path.join(target, 'training.json'), JSON.stringify(record, null, 1));
  return record;
}
