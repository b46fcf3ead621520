// Optimizers and their state, which a checkpoint must carry for a resumed run to match an uninterrupted one.
import * as tf from '@tensorflow/tfjs';

/** The learning rate is multiplied by `gamma` (default 0.1) after each epoch in `milestones`. */
interface Schedule { lr: number; milestones?: number[]; gamma?: number }

export type OptimizerSpec = ({ name: 'adam' } | { name: 'sgd'; momentum: number }) & Schedule;

/** The variables an optimizer steps: a layers model's trainable weights. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  if (!(spec.lr > 0)) throw new Error(`learning rate must be > 0, got ${spec.lr}`);
  switch (spec.name) {
    case 'adam': return tf.train.adam(spec.lr);
    case 'sgd': return tf.train.momentum(spec.lr, spec.momentum);
    default: throw new Error(`unknown optimizer '${(spec as { name: string }).name}': use adam or sgd`);
  }
}

/** The learning rate for a (1-based) epoch under the schedule. */
export function learningRate(spec: OptimizerSpec, epoch: number): number {
  if (!spec.milestones) return spec.lr;
  return spec.lr * (spec.gamma ?? 0.1) ** spec.milestones.filter((m) => epoch > m).length;
}

export function setLearningRate(optimizer: tf.Optimizer, spec: OptimizerSpec, epoch: number): void {
  const lr = learningRate(spec, epoch);
  if (spec.name === 'sgd') (optimizer as tf.MomentumOptimizer).setLearningRate(lr);
  // tfjs's Adam has no setter, but reads its learningRate field at every step.
  else (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * Adam's running products beta^t. tfjs's setWeights recomputes them as pow(beta, t), which differs
 * from the product it accumulated in the last bit; we save and restore the accumulated values.
 */
interface AdamInternals { accBeta1: tf.Variable; accBeta2: tf.Variable }

type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

export interface OptimizerState { weights: NamedTensor[]; extra: number[] }

export async function optimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  const adam = optimizer as unknown as Partial<AdamInternals>;
  const extra = adam.accBeta1 && adam.accBeta2 ? [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]] : [];
  return { weights, extra };
}

export async function restoreOptimizer(optimizer: tf.Optimizer, state: OptimizerState): Promise<void> {
  await optimizer.setWeights(state.weights);
  const adam = optimizer as unknown as Partial<AdamInternals>;
  if (adam.accBeta1 && adam.accBeta2 && state.extra.length === 2) {
    tf.tidy(() => {
      adam.accBeta1!.assign(tf.scalar(state.extra[0]));
      adam.accBeta2!.assign(tf.scalar(state.extra[1]));
    });
  }
}
