// The MNIST models of chapter 2: read from data/models/mnist (what we ship), or trained from their
// recipes (the full profile), resuming wherever an earlier run stopped.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../data/dataset';
import { writeFileAtomic } from '../io/atomic';
import { ROOT } from '../paths';
import { labelled, OnProgress } from '../progress';
import { loadCheckpoint } from '../train/checkpoint';
import { EpochRow, train } from '../train/loop';
import { mnistRecipe, Recipe } from '../train/mnist-recipes';
import { loadModel, saveModel } from './io';
import { mnistCnn } from './mnist';

export const MNIST_MODELS_DIR = path.join(ROOT, 'data', 'models', 'mnist');

/** What a shipped model's training.json records: its recipe and how its training went. */
export interface TrainingRecord {
  recipe: Recipe;
  history: EpochRow[];
  /** Sum of the epochs' times. */
  seconds: number;
  backend: string;
}

function trainingRecord(recipe: Recipe, history: EpochRow[], backend: string): TrainingRecord {
  return { recipe, history, seconds: history.reduce((s, h) => s + h.seconds, 0), backend };
}

export function shippedDir(name: string): string {
  return path.join(MNIST_MODELS_DIR, name);
}

export interface ZooModel { model: tf.LayersModel; record: TrainingRecord }

/** A model we ship, with how it was trained. */
export async function loadShipped(name: string): Promise<ZooModel> {
  mnistRecipe(name);
  const dir = shippedDir(name);
  if (!fs.existsSync(path.join(dir, 'model.json'))) throw new Error(`the shipped model '${name}' is missing from ${dir}: restore it with git, or train it (npm run train -- --recipe ${name})`);
  const record = JSON.parse(fs.readFileSync(path.join(dir, 'training.json'), 'utf8')) as TrainingRecord;
  return { model: await loadModel(dir), record };
}

/** Trains a recipe into `out` (resuming a run already there) and returns the trained model. */
export async function trainRecipe(name: string, data: ImageDataset, out: string, onProgress?: OnProgress): Promise<ZooModel> {
  const recipe = mnistRecipe(name);
  const model = mnistCnn(recipe.architecture, recipe.seed);
  const history = await train(model, data, {
    epochs: recipe.epochs, batchSize: recipe.batchSize, seed: recipe.seed, optimizer: recipe.optimizer, adversarial: recipe.adversarial,
    out, resume: true, onProgress: labelled(onProgress, name),
  });
  return { model, record: trainingRecord(recipe, history, tf.getBackend()) };
}

/** Copies a finished training run into data/models/mnist/<name>, weights as float16, with its record. */
export async function shipRun(name: string, run: string, dest = shippedDir(name)): Promise<TrainingRecord> {
  const recipe = mnistRecipe(name);
  const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
  const protocol = (c: Partial<Recipe>) => JSON.stringify([c.architecture ?? (c as { model?: string }).model, c.epochs, c.batchSize, c.seed, c.optimizer, c.adversarial ?? null]);
  if (protocol(config) !== protocol(recipe)) throw new Error(`${run} was not trained with the recipe '${name}': its config.json says ${protocol(config)}, the recipe ${protocol(recipe)}`);
  if (config.n !== 60_000) throw new Error(`${run} trained on ${config.n} images; shipped models train on all 60,000`);
  const { model, optimizer, state } = await loadCheckpoint<EpochRow>(run);
  tf.dispose(optimizer.weights.map((w) => w.tensor));
  if (state.epoch !== recipe.epochs) throw new Error(`${run} has ${state.epoch} of the recipe's ${recipe.epochs} epochs: finish it with npm run train -- --recipe ${name} --out ${run} --resume`);
  await saveModel(model, dest, { float16: true });
  model.dispose();
  const record = trainingRecord(recipe, state.history, config.backend);
  writeFileAtomic(path.join(dest, 'training.json'), JSON.stringify(record, null, 1));
  return record;
}
