// Adam and momentum SGD as TensorFlow's fused training ops (lib/backend/resource-variables.ts): one
// kernel per variable and step, where tfjs's optimizers run a dozen passes over the weights.
// They follow tfjs's AdamOptimizer and MomentumOptimizer step for step (the same update, the same
// weights for checkpoints: 'iter', then '<variable>/m' ... '<variable>/v' or '<variable>/momentum'),
// so a checkpoint of one resumes in the other.
import * as tf from '@tensorflow/tfjs';
import { applyAdam, applyMomentum, assignResource, destroyResource, readResource, ResourceHandle, resourceVariable } from '../backend/resource-variables';

type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];
type Gradients = Parameters<tf.Optimizer['applyGradients']>[0];

/** A variable's state: its weights and its slots (m and v, or the momentum) as resource variables. */
interface Slot {
  name: string;
  weights: ResourceHandle;
  slots: ResourceHandle[];
  /** The tensor last written to the tfjs variable: if the variable holds another, someone set it. */
  written: object;
}

abstract class FusedOptimizer extends tf.Optimizer {
  private state: Slot[] = [];
  /** Slot values from setWeights, by slot kind then variable, used when each variable is first seen. */
  private pending: tf.Tensor[][] | null = null;

  constructor(private readonly slotNames: string[]) {
    super();
  }

  /** Updates one variable in place; `scalars` are what `stepScalars` made for this step. */
  protected abstract update(s: Slot, g: tf.Tensor, scalars: tf.Scalar[]): void;
  protected abstract stepScalars(): tf.Scalar[];
  protected afterStep(): void {}

  applyGradients(gradients: Gradients): void {
    const named = Array.isArray(gradients) ? gradients : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    if (this.pending && this.pending[0].length !== named.length) {
      throw new Error(`the optimizer state restored holds ${this.pending[0].length} variables' ${this.slotNames.join(' and ')}, this step updates ${named.length}: a checkpoint of another network?`);
    }
    const scalars = this.stepScalars();
    try {
      named.forEach(({ name, tensor: g }, i) => {
        const variable = tf.engine().registeredVariables[name];
        if (!variable) throw new Error(`no variable named '${name}' to apply a gradient to`);
        const s = this.slotFor(i, name, variable);
        if (g == null) return;
        const v = variable as unknown as { dataId: object };
        if (v.dataId !== s.written) assignResource(s.weights, variable);
        this.update(s, g, scalars);
        const next = readResource(s.weights);
        variable.assign(next);
        next.dispose();
        s.written = v.dataId;
      });
    } finally {
      tf.dispose(scalars);
      // Restored state lives in the resource variables from the first step on.
      this.clearPending();
    }
    this.afterStep();
    this.incrementIterations();
  }

  /**
   * The state of the i-th variable of the step. As in tfjs's optimizers, state goes by position (which
   * is what a checkpoint keeps): the same variables must come in the same order at every step.
   */
  private slotFor(i: number, name: string, variable: tf.Variable): Slot {
    const known = this.state[i];
    if (known) {
      if (known.name !== name) throw new Error(`this optimizer's variable ${i} is '${known.name}', this step gives '${name}' there: step the same variables in the same order`);
      return known;
    }
    const initial = this.pending?.map((kind) => kind[i]);
    const slots = this.slotNames.map((_, k) => {
      const value = initial?.[k];
      if (value && !tf.util.arraysEqual(value.shape, variable.shape)) throw new Error(`optimizer state for '${name}' has shape [${value.shape}], the variable [${variable.shape}]`);
      return value ? resourceVariable(value) : tf.tidy(() => resourceVariable(tf.zerosLike(variable)));
    });
    this.state[i] = { name, weights: resourceVariable(variable), slots, written: (variable as unknown as { dataId: object }).dataId };
    return this.state[i];
  }

  async getWeights(): Promise<NamedTensor[]> {
    const iterations = await this.saveIterations();
    const slots = this.slotNames.flatMap((slot, k) => this.state.map((s) => ({ name: `${s.name}/${slot}`, tensor: readResource(s.slots[k]) })));
    return [iterations, ...slots];
  }

  async setWeights(values: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(values);
    const per = rest.length / this.slotNames.length;
    if (!Number.isInteger(per)) throw new Error(`optimizer weights: ${rest.length} tensors do not split into ${this.slotNames.join(', ')} per variable`);
    this.clearPending();
    const kinds = this.slotNames.map((_, k) => rest.slice(k * per, (k + 1) * per).map((w) => tf.keep(tf.clone(w.tensor))));
    if (this.state.length) {
      if (per !== this.state.length) throw new Error(`optimizer weights for ${per} variables, this optimizer steps ${this.state.length}`);
      this.state.forEach((s, i) => s.slots.forEach((h, k) => assignResource(h, kinds[k][i])));
      tf.dispose(kinds.flat());
    } else {
      this.pending = kinds;
    }
  }

  private clearPending(): void {
    if (this.pending) tf.dispose(this.pending.flat());
    this.pending = null;
  }

  dispose(): void {
    // Every handle is destroyed even if one fails (destroyResource disposes it either way).
    const handles = this.state.flatMap((s) => [s.weights, ...s.slots]);
    this.state = [];
    this.clearPending();
    let failure: unknown;
    for (const h of handles) {
      try {
        destroyResource(h);
      } catch (e) {
        failure ??= e;
      }
    }
    super.dispose();
    if (failure) throw failure;
  }
}

export class FusedAdam extends FusedOptimizer {
  static get className(): string { return 'Adam'; }
  /** b1^t and b2^t for the next step t (tfjs's accBeta1, accBeta2). */
  betaPowers: [number, number];

  constructor(public learningRate: number, public beta1 = 0.9, public beta2 = 0.999, public epsilon = tf.backend().epsilon()) {
    super(['m', 'v']);
    this.betaPowers = [beta1, beta2];
  }

  protected stepScalars(): tf.Scalar[] {
    const [p1, p2] = this.betaPowers;
    // ApplyAdam adds eps to sqrt(v); tfjs and PyTorch add it to sqrt(v / (1 - b2^t)): scaling eps by
    // sqrt(1 - b2^t) gives their update.
    return [p1, p2, this.learningRate, this.beta1, this.beta2, this.epsilon * Math.sqrt(1 - p2)].map((x) => tf.scalar(x));
  }

  protected update(s: Slot, g: tf.Tensor, scalars: tf.Scalar[]): void {
    applyAdam(s.weights, s.slots[0], s.slots[1], scalars, g);
  }

  protected afterStep(): void {
    this.betaPowers = [this.betaPowers[0] * this.beta1, this.betaPowers[1] * this.beta2];
  }

  async setWeights(values: NamedTensor[]): Promise<void> {
    await super.setWeights(values);
    this.betaPowers = [this.beta1 ** (this.iterations + 1), this.beta2 ** (this.iterations + 1)];
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export class FusedMomentum extends FusedOptimizer {
  static get className(): string { return 'Momentum'; }

  constructor(public learningRate: number, public momentum: number, public useNesterov = false) {
    super(['momentum']);
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  protected stepScalars(): tf.Scalar[] {
    return [tf.scalar(this.learningRate), tf.scalar(this.momentum)];
  }

  protected update(s: Slot, g: tf.Tensor, [lr, momentum]: tf.Scalar[]): void {
    applyMomentum(s.weights, s.slots[0], lr, g, momentum, this.useNesterov);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, useNesterov: this.useNesterov };
  }
}

// tfjs's Optimizer answers `instanceof` for anything with minimize and applyGradients (its
// Symbol.hasInstance), so `x instanceof FusedAdam` is true of every optimizer: ask the prototype chain.
export const isFusedAdam = (o: tf.Optimizer): o is FusedAdam => FusedAdam.prototype.isPrototypeOf(o);
export const isFusedMomentum = (o: tf.Optimizer): o is FusedMomentum => FusedMomentum.prototype.isPrototypeOf(o);
