// Optimizers and their state, which a checkpoint must carry for a resumed run to match an uninterrupted one.
import * as tf from '@tensorflow/tfjs';
import { fusedTrainingOps } from '../backend/resource-variables';
import { FusedAdam, FusedMomentum, isFusedAdam, isFusedMomentum } from './fused-optimizers';

interface Schedule {
  /** The base (or peak) learning rate. */
  lr: number;
  /** Step decay: the rate is multiplied by `gamma` (default 0.1) after each epoch in `milestones`. */
  milestones?: number[];
  gamma?: number;
  /**
   * Piecewise linear: knots [epoch, factor] with epochs rising from 0; the rate at a fractional epoch
   * t (batch b of epoch e is t = e - 1 + (b + 1) / batches) is lr times the factor interpolated at t,
   * held flat past the ends. One-cycle is [[0, 0], [peak, 1], [epochs, 0]].
   */
  piecewise?: [number, number][];
}

export type OptimizerSpec = ({ name: 'adam' } | { name: 'sgd'; momentum: number; nesterov?: boolean }) & Schedule & {
  /** L2 weight decay added to every gradient, as PyTorch's optimizers do (default 0). */
  weightDecay?: number;
};

/** The one-cycle schedule: linear from 0 up to the peak at `peakEpoch`, then down to 0 at `epochs`. */
export function oneCycle(peakEpoch: number, epochs: number): [number, number][] {
  return [[0, 0], [peakEpoch, 1], [epochs, 0]];
}

/** The variables an optimizer steps: a layers model's trainable weights. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

function checkSchedule(spec: OptimizerSpec): void {
  if (!(spec.lr > 0)) throw new Error(`learning rate must be > 0, got ${spec.lr}`);
  if (spec.weightDecay !== undefined && !(spec.weightDecay >= 0)) throw new Error(`weight decay must be >= 0, got ${spec.weightDecay}`);
  const k = spec.piecewise;
  if (k && !(k.length >= 2 && k.every(([e, f], i) => e >= 0 && f >= 0 && (i === 0 || e > k[i - 1][0])))) {
    throw new Error(`a piecewise learning-rate schedule needs two or more [epoch, factor] knots, epochs rising, factors >= 0; got ${JSON.stringify(k)}`);
  }
  if (k && spec.milestones) throw new Error('a learning-rate schedule is either milestones or piecewise, not both');
}

/**
 * The optimizer `spec` describes: on tfjs-node's CPU backend TensorFlow's fused training ops
 * (lib/train/fused-optimizers.ts), elsewhere tfjs's own; the two take the same steps.
 */
export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  checkSchedule(spec);
  const fused = fusedTrainingOps();
  switch (spec.name) {
    case 'adam': return fused ? new FusedAdam(spec.lr) : tf.train.adam(spec.lr);
    // Nesterov as PyTorch has it: buf = m buf + g; step lr (g + m buf).
    case 'sgd': return fused ? new FusedMomentum(spec.lr, spec.momentum, spec.nesterov ?? false) : tf.train.momentum(spec.lr, spec.momentum, spec.nesterov ?? false);
    default: throw new Error(`unknown optimizer '${(spec as { name: string }).name}': use adam or sgd`);
  }
}

/** Linear interpolation through the knots, flat beyond the ends. */
function interpolate(knots: [number, number][], t: number): number {
  if (t <= knots[0][0]) return knots[0][1];
  for (let i = 1; i < knots.length; i++) {
    const [e0, f0] = knots[i - 1];
    const [e1, f1] = knots[i];
    if (t <= e1) return f0 + ((f1 - f0) * (t - e0)) / (e1 - e0);
  }
  return knots[knots.length - 1][1];
}

/** The learning rate for a (1-based) epoch under the schedule, `fraction` of the way through it. */
export function learningRate(spec: OptimizerSpec, epoch: number, fraction = 1): number {
  if (spec.piecewise) return spec.lr * interpolate(spec.piecewise, epoch - 1 + fraction);
  if (!spec.milestones) return spec.lr;
  return spec.lr * (spec.gamma ?? 0.1) ** spec.milestones.filter((m) => epoch > m).length;
}

export function setLearningRate(optimizer: tf.Optimizer, spec: OptimizerSpec, epoch: number, fraction = 1): void {
  const lr = learningRate(spec, epoch, fraction);
  if (spec.name === 'sgd') (optimizer as tf.MomentumOptimizer | FusedMomentum).setLearningRate(lr);
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

/** The optimizer's state, as tensors the caller owns (and disposes). */
export async function optimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  if (isFusedAdam(optimizer)) return { weights, extra: [...optimizer.betaPowers] };
  if (isFusedMomentum(optimizer)) return { weights, extra: [] };
  // tfjs's optimizers hand out their own variables (all but the iteration count, made for the call).
  const owned = weights.map((w, i) => (i === 0 ? w : { name: w.name, tensor: tf.clone(w.tensor) }));
  const adam = optimizer as unknown as Partial<AdamInternals>;
  const extra = adam.accBeta1 && adam.accBeta2 ? [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]] : [];
  return { weights: owned, extra };
}

export async function restoreOptimizer(optimizer: tf.Optimizer, state: OptimizerState): Promise<void> {
  await optimizer.setWeights(state.weights);
  if (isFusedAdam(optimizer)) {
    if (state.extra.length === 2) optimizer.betaPowers = [state.extra[0], state.extra[1]];
    return;
  }
  const adam = optimizer as unknown as Partial<AdamInternals>;
  if (adam.accBeta1 && adam.accBeta2 && state.extra.length === 2) {
    tf.tidy(() => {
      adam.accBeta1!.assign(tf.scalar(state.extra[0]));
      adam.accBeta2!.assign(tf.scalar(state.extra[1]));
    });
  }
}
