// Standard and adversarial training (Madry et al. 2018): for each batch, an adversarial batch is made
// with the model in inference mode, then one optimizer step is taken on it.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../attacks/pgd';
import { AttackInput, AttackSpec, attackSpec, scaledAttack } from '../attacks/spec';
import { Augmentation } from '../data/augment';
import { batchTensors, ImageDataset } from '../data/dataset';
import { writeCsv } from '../io/csv';
import { permutation } from '../random';
import { checkPositiveInt } from '../checks';
import { hasCheckpoint, loadCheckpoint, removePartialCheckpoints, saveCheckpoint } from './checkpoint';
import { learningRate, makeOptimizer, trainableVariables, OptimizerSpec, optimizerState, restoreOptimizer, setLearningRate } from './optimizer';
import { OnProgress } from '../progress';
import { SPARSE_CROSS_ENTROPY } from '../backend/kernel-names';
import { compiled } from '../backend/compiled';
import { modelTensors } from '../models/classifier';

/** Madry adversarial training's attack: an AttackSpec, and how its budget is ramped up. */
export interface AdversarialSpec extends AttackSpec {
  /**
   * Epochs over which eps (and the step size with it) rises linearly from 0 to its value: without
   * it, a small network trained at a large eps from the start can collapse to a constant prediction.
   */
  warmupEpochs?: number;
}

export type AdversarialInput = AttackInput & { warmupEpochs?: number };

/** The training attack `a` describes (an AttackSpec's defaults filled in), or an error naming what is wrong. */
export function adversarialSpec(a: AdversarialInput): AdversarialSpec {
  const spec = attackSpec(a);
  if (spec.target !== undefined) throw new Error('adversarial training raises the loss of the true label: a target class makes no sense here');
  return a.warmupEpochs === undefined ? spec : { ...spec, warmupEpochs: checkPositiveInt('warmupEpochs', a.warmupEpochs) };
}

/** The attack of batch `batch` (0-based) of `epoch` (1-based) out of `batches`, under the warm-up. */
export function warmedUp(spec: AdversarialSpec, epoch: number, batch: number, batches: number): AttackSpec {
  if (!spec.warmupEpochs) return spec;
  return scaledAttack(spec, Math.min(1, ((epoch - 1) * batches + batch + 1) / (spec.warmupEpochs * batches)));
}

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  optimizer?: OptimizerSpec;
  /** Madry adversarial training; standard training when absent. */
  adversarial?: AdversarialInput;
  /** Random crops and flips of every training batch (CIFAR); none when absent. */
  augmentation?: Augmentation;
  /** Seeds the data order and the attack's random starts. */
  seed?: number;
  /** Where checkpoints (one per epoch) and log.csv go. */
  out?: string;
  /** Continue from the last checkpoint in `out`, if there is one. */
  resume?: boolean;
  onProgress?: OnProgress;
}

/** One row of log.csv: the epoch's means over its training batches. */
export interface EpochRow {
  [key: string]: number | null;
  epoch: number;
  lr: number;
  std_loss: number;
  std_acc: number;
  /** Empty in standard training. */
  adv_loss: number | null;
  adv_acc: number | null;
  seconds: number;
  images_per_s: number;
}

function checkOptions(data: ImageDataset, opts: TrainOptions): void {
  checkPositiveInt('epochs', opts.epochs);
  const b = opts.batchSize ?? 50;
  if (!(Number.isInteger(b) && b >= 1 && b <= data.n)) throw new Error(`batch size must be an integer in 1..${data.n}, got ${b}`);
  if (opts.resume && !opts.out) throw new Error('resume needs the output directory of the run (out)');
}

/** Mean cross-entropy of logits z [N, K] against labels y [N]: one TensorFlow kernel where there is one. */
export function meanCrossEntropy(z: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  if (tf.getKernel(SPARSE_CROSS_ENTROPY, tf.getBackend()) && z.dtype === 'float32') {
    const [perExample] = tf.engine().runKernel(SPARSE_CROSS_ENTROPY, { logits: z, labels: tf.cast(y, 'int32') }) as tf.Tensor[];
    return tf.mean(perExample);
  }
  return tf.losses.softmaxCrossEntropy(tf.oneHot(y, z.shape[1]), z) as tf.Scalar;
}

/** Loss and accuracy of a batch. */
function metrics(z: tf.Tensor2D, y: tf.Tensor1D): [tf.Scalar, tf.Scalar] {
  return [meanCrossEntropy(z, y), tf.mean(tf.cast(tf.equal(tf.argMax(z, -1), y), 'float32')) as tf.Scalar];
}

export interface StepMetrics { stdLoss: number; stdAcc: number; advLoss: number; advAcc: number }

export interface StepOptions {
  /** PGD examples (made with the model in inference mode) replace the clean batch; standard training when absent. */
  adversarial?: AttackSpec;
  /** Seeds the attack's random start. */
  seed: number;
  /** L2 weight decay added to every gradient, as PyTorch's SGD does. */
  weightDecay?: number;
  /**
   * Also measure the clean batch with the model in inference mode (default true). Adversarial
   * training only: it costs one forward pass, and the benchmark leaves it out as its peer does.
   */
  cleanMetrics?: boolean;
}

/**
 * One training step on a batch: with `adversarial`, PGD examples made with the model in inference
 * mode, then one optimizer step on them. Returns the batch's clean (and adversarial) loss and accuracy.
 */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, vars: tf.Variable[], x: tf.Tensor4D, y: tf.Tensor1D, opts: StepOptions): StepMetrics {
  const { adversarial, seed } = opts;
  const xAdv = adversarial ? pgd(model, x, y, { ...adversarial, seed }) : x;
  // Clean metrics with the model in inference mode, as the attack sees it.
  const clean = adversarial && (opts.cleanMetrics ?? true) ? tf.tidy(() => metrics(model.apply(x, { training: false }) as tf.Tensor2D, y)) : null;
  const lossAndGrads = () => {
    let acc: tf.Scalar | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const [l, a] = metrics(model.apply(xAdv, { training: true }) as tf.Tensor2D, y);
      acc = tf.keep(a);
      return l;
    }, vars);
    return [value, acc!, ...vars.map((v) => grads[v.name])];
  };
  // Forward and backward as one TensorFlow graph where the backend can (lib/backend/compiled.ts).
  const [loss, acc, ...g] = compiled(model, `train ${xAdv.shape} ${y.dtype} ${vars.map((v) => v.name)}`, lossAndGrads, [xAdv, y, ...modelTensors(model)!]);
  const grads: tf.NamedTensorMap = Object.fromEntries(vars.map((v, i) => [v.name, g[i]]));
  const wd = opts.weightDecay ?? 0;
  const decayed = wd > 0 ? tf.tidy(() => Object.fromEntries(vars.map((v) => [v.name, tf.add(grads[v.name], tf.mul(v, wd))]))) : grads;
  optimizer.applyGradients(decayed);
  tf.dispose([...g, ...(wd > 0 ? Object.values(decayed) : [])]);
  const [lossV, accV] = [loss.dataSync()[0], acc.dataSync()[0]];
  const [stdLoss, stdAcc] = clean ? [clean[0].dataSync()[0], clean[1].dataSync()[0]] : [lossV, accV];
  tf.dispose([loss, acc, ...(clean ?? []), ...(adversarial ? [xAdv] : [])]);
  return { stdLoss, stdAcc: adversarial && !clean ? NaN : stdAcc, advLoss: lossV, advAcc: accV };
}

/**
 * Trains `model` in place and returns one row per epoch. With `out`, every epoch ends with a
 * checkpoint and an updated log.csv; with `resume`, a run picks up after the last checkpoint and ends
 * with the same weights as one run straight through.
 */
export async function train(model: tf.LayersModel, data: ImageDataset, opts: TrainOptions): Promise<EpochRow[]> {
  checkOptions(data, opts);
  const adversarial = opts.adversarial && adversarialSpec(opts.adversarial);
  const batchSize = checkPositiveInt('batchSize', opts.batchSize ?? 50);
  const seed = opts.seed ?? 0;
  const spec = opts.optimizer ?? { name: 'adam', lr: 1e-4 };
  const optimizer = makeOptimizer(spec);
  let history: EpochRow[] = [];
  if (opts.out) removePartialCheckpoints(opts.out);
  if (opts.resume && opts.out && hasCheckpoint(opts.out)) {
    const saved = await loadCheckpoint<EpochRow>(opts.out);
    try {
      model.setWeights(saved.model.getWeights());
    } catch (e) {
      saved.model.dispose();
      throw new Error(`${opts.out}: its checkpoint is of another network than the one to train (${(e as Error).message}): resume with the run's own architecture, or choose another output folder`);
    }
    saved.model.dispose();
    await restoreOptimizer(optimizer, saved.optimizer);
    tf.dispose(saved.optimizer.weights.map((w) => w.tensor));
    history = saved.state.history;
  }
  const vars = trainableVariables(model);
  const batches = Math.ceil(data.n / batchSize);
  try {
    for (let epoch = history.length + 1; epoch <= opts.epochs; epoch++) {
      const order = permutation(data.n, seed * 1_000_003 + epoch);
      const started = Date.now();
      const sums = { std_loss: 0, std_acc: 0, adv_loss: 0, adv_acc: 0 };
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        const batchSeed = (seed * 1_000_003 + epoch) * 100_003 + b;
        const augment = opts.augmentation && { augmentation: opts.augmentation, seed: batchSeed };
        const { x, y } = batchTensors(data, order.subarray(b * batchSize, (b + 1) * batchSize), augment);
        const n = y.shape[0];
        setLearningRate(optimizer, spec, epoch, (b + 1) / batches);
        const attack = adversarial && warmedUp(adversarial, epoch, b, batches);
        const m = trainStep(model, optimizer, vars, x, y, { adversarial: attack, seed: batchSeed, weightDecay: spec.weightDecay });
        tf.dispose([x, y]);
        sums.std_loss += m.stdLoss * n;
        sums.std_acc += m.stdAcc * n;
        sums.adv_loss += m.advLoss * n;
        sums.adv_acc += m.advAcc * n;
        seen += n;
        const seconds = (Date.now() - started) / 1000;
        opts.onProgress?.({
          label: `epoch ${epoch}/${opts.epochs}`, done: seen, total: data.n, rate: seen / Math.max(seconds, 1e-9),
          metrics: opts.adversarial ? { loss: sums.adv_loss / seen, adv_acc: sums.adv_acc / seen, std_acc: sums.std_acc / seen } : { loss: sums.std_loss / seen, acc: sums.std_acc / seen },
        });
      }
      const seconds = (Date.now() - started) / 1000;
      history.push({
        epoch, lr: learningRate(spec, epoch), std_loss: sums.std_loss / seen, std_acc: sums.std_acc / seen,
        adv_loss: opts.adversarial ? sums.adv_loss / seen : null, adv_acc: opts.adversarial ? sums.adv_acc / seen : null,
        seconds, images_per_s: seen / seconds,
      });
      if (opts.out) {
        const state = await optimizerState(optimizer);
        try {
          await saveCheckpoint(opts.out, model, state, { epoch, history });
        } finally {
          tf.dispose(state.weights.map((w) => w.tensor));
        }
        writeCsv(path.join(opts.out, 'log.csv'), history);
      }
    }
  } finally {
    optimizer.dispose();
  }
  return history;
}
