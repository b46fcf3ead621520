// Projected gradient descent (Madry et al. 2018): one loop for every threat model.
//   x_0 = x (or a random point of the ball),   x_{t+1} = project(step(x_t, grad of the loss at x_t))
import * as tf from '@tensorflow/tfjs';
import { Classifier, logits, modelTensors } from '../models/classifier';
import { ThreatModel, threatModel } from './threat';
import { AttackInput, AttackSpec, attackSpec } from './spec';
import { compiled } from '../backend/compiled';

/** A loss to raise, per example: logits [N, K] and labels [N] -> [N]. */
export type LossFn = (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Tensor1D;

/**
 * Per-example cross-entropy -log softmax(z)[y], with a gradient written out as softmax(z) - onehot(y)
 * times a positive factor per example: fewer kernels than differentiating through logSoftmax, which
 * matters when PGD runs it 40 times a batch. `others` gives the wrong classes' share of the gradient
 * (zero at the label) from the log-probabilities; the label's share is minus their sum.
 */
function crossEntropyWith(others: (logProbs: tf.Tensor, onehot: tf.Tensor) => tf.Tensor): LossFn {
  return (z, labels) => {
    const classes = z.shape[1];
    const f = tf.customGrad(((logits: tf.Tensor2D, save: tf.GradSaveFunc) => {
      const logProbs = tf.logSoftmax(logits);
      save([logProbs]);
      return {
        value: tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(labels, classes)), -1)),
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
          const onehot = tf.oneHot(labels, classes);
          const o = others(saved, onehot);
          return tf.mul(tf.sub(o, tf.mul(onehot, tf.sum(o, -1, true))), tf.expandDims(dy, -1));
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(z) as tf.Tensor1D;
  };
}

/**
 * Cross-entropy with its exact gradient. p_y - 1 is computed as minus the other classes'
 * probabilities: on a confident model p_y rounds to within float32's 6e-8 of 1, and p_y - 1 would be
 * mostly rounding error, a different error on each backend.
 */
export const crossEntropy: LossFn = crossEntropyWith((logProbs, onehot) => tf.mul(tf.exp(logProbs), tf.sub(1, onehot)));

/**
 * The attacks' default loss: cross-entropy, with its gradient scaled per example by exp(-m) > 0, m the
 * largest log-probability of a wrong class. PGD uses only the gradient's direction (its signs, or its
 * unit l2 direction), which the scale leaves as it is. Without it, a model sure of itself (other
 * classes below 1e-38) has a gradient that underflows into float32's subnormals, which backends round
 * differently (wasm flushes them to zero): PGD in the page and in Node would go different ways.
 */
export const attackCrossEntropy: LossFn = crossEntropyWith((logProbs, onehot) => {
  // The label pushed far below the wrong classes, so that its exp is 0.
  const wrong = tf.sub(logProbs, tf.mul(onehot, 1e9));
  return tf.exp(tf.sub(wrong, tf.max(wrong, -1, true)));
});

const lossIds = new WeakMap<LossFn, number>();
let losses = 0;
/** A loss function's number in this process: part of the name of the compiled step that uses it. */
function lossId(loss: LossFn): number {
  if (!lossIds.has(loss)) lossIds.set(loss, ++losses);
  return lossIds.get(loss)!;
}

export interface PgdOptions extends AttackInput {
  /** The valid pixel range (default [0, 1]). */
  bounds?: [number, number];
  /** Targeted attack, one class per example [N]: lower the loss of these classes instead of raising the loss of y. */
  targets?: tf.Tensor1D;
  /** The loss to raise (default cross-entropy, as attackCrossEntropy differentiates it). */
  loss?: LossFn;
  /** Seed of the random starts; restart r uses seed + r. */
  seed?: number;
}

function checkInputs(x: tf.Tensor, y: tf.Tensor, threat: ThreatModel, target?: tf.Tensor): void {
  if (x.rank !== 4) throw new Error(`inputs must be a batch [N, H, W, C], got shape [${x.shape}]`);
  if (y.rank !== 1) throw new Error(`labels must be [N], got shape [${y.shape}]`);
  if (x.shape[0] !== y.shape[0]) throw new Error(`mismatched batch sizes: ${x.shape[0]} inputs, ${y.shape[0]} labels`);
  if (target && (target.rank !== 1 || target.shape[0] !== x.shape[0])) {
    throw new Error(`mismatched batch sizes: ${x.shape[0]} inputs, target shape [${target.shape}]`);
  }
  const [lo, hi] = tf.tidy(() => [tf.min(x).dataSync()[0], tf.max(x).dataSync()[0]]);
  if (lo < threat.bounds[0] || hi > threat.bounds[1]) {
    throw new Error(`inputs must lie in [${threat.bounds}], found values in [${lo}, ${hi}]`);
  }
}

/**
 * An adversarial batch for `model` at x (labels y). Returns x_adv [N, H, W, C]; nothing else the
 * call makes survives it.
 */
export function pgd(model: Classifier, x: tf.Tensor4D, y: tf.Tensor1D, opts: PgdOptions): tf.Tensor4D {
  const steps = pgdSteps(model, x, y, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same attack, one step at a time: the generator yields after every PGD step (the step's index,
 * counting restarts) and returns x_adv. A page runs it in slices between frames, so that it stays
 * responsive, and drops it (`return()`) when the student has moved on: what it holds is disposed then.
 */
export function* pgdSteps(model: Classifier, x: tf.Tensor4D, y: tf.Tensor1D, opts: PgdOptions): Generator<number, tf.Tensor4D, void> {
  const a = attackSpec(opts);
  const threat = threatModel(a.threat, a.eps, opts.bounds);
  // One class for every example (the spec's target) becomes a tensor held for the attack's length.
  const owned = opts.targets === undefined && a.target !== undefined ? tf.keep(tf.fill([x.shape[0]], a.target, 'int32') as tf.Tensor1D) : undefined;
  try {
    checkInputs(x, y, threat, opts.targets ?? owned);
    return yield* attackFrom(model, x, y, a, threat, opts.targets ?? owned, opts);
  } finally {
    owned?.dispose();
  }
}

function* attackFrom(model: Classifier, x: tf.Tensor4D, y: tf.Tensor1D, a: AttackSpec, threat: ThreatModel, target: tf.Tensor1D | undefined, opts: PgdOptions): Generator<number, tf.Tensor4D, void> {
  const loss = opts.loss ?? attackCrossEntropy;
  const labels = target ?? y;
  // A targeted attack climbs the negative loss of the target class.
  const objective = (xa: tf.Tensor4D) => {
    const l = loss(logits(model, xa), labels);
    return target ? tf.neg(l) : l;
  };
  const grad = tf.grad((xa: tf.Tensor) => tf.sum(objective(xa as tf.Tensor4D)));
  // One TensorFlow graph a step where the backend can (lib/backend/compiled.ts): the model's weights
  // are its inputs with x_t and the labels, so that it follows a model that is being trained. A function
  // model that does not declare the tensors it reads runs op by op.
  const weights = modelTensors(model);
  const signature = `pgd-gradient ${x.shape} ${labels.dtype} ${target ? 'targeted' : 'untargeted'} loss ${lossId(loss)}`;
  const gradient = (xa: tf.Tensor4D) => weights
    ? compiled(model as object, signature, () => [grad(xa)], [xa, labels, ...weights])[0]
    : grad(xa);

  let done = 0;
  function* attack(restart: number): Generator<number, tf.Tensor4D, void> {
    let xa = a.randomStart ? threat.randomPerturb(x, (opts.seed ?? 0) + restart) : tf.clone(x);
    const stepper = threat.stepper(x, a.stepSize);
    let finished = false;
    try {
      for (let i = 0; i < a.steps; i++) {
        const next = tf.tidy(() => stepper.next(xa, gradient(xa) as tf.Tensor4D));
        xa.dispose();
        xa = next;
        yield done++;
      }
      finished = true;
      return xa;
    } finally {
      stepper.dispose();
      if (!finished) xa.dispose();
    }
  }

  let best = yield* attack(0);
  let finished = false;
  try {
    for (let r = 1; r < a.restarts; r++) {
      const candidate = yield* attack(r);
      const merged = tf.tidy(() => {
        const score = (xa: tf.Tensor4D) => {
          const z = logits(model, xa);
          const pred = tf.argMax(z, -1);
          const success = target ? tf.equal(pred, target) : tf.notEqual(pred, y);
          return { success, value: target ? tf.neg(loss(z, labels)) : loss(z, labels) };
        };
        const a = score(best);
        const b = score(candidate);
        // Worse for the model: fooled beats not fooled; between equals, the higher loss.
        const take = tf.logicalOr(tf.logicalAnd(b.success, tf.logicalNot(a.success)),
          tf.logicalAnd(tf.equal(b.success, a.success), tf.greater(b.value, a.value)));
        return tf.where(tf.reshape(take, [-1, 1, 1, 1]).tile([1, ...x.shape.slice(1)]), candidate, best) as tf.Tensor4D;
      });
      best.dispose();
      candidate.dispose();
      best = merged;
    }
    finished = true;
    return best;
  } finally {
    if (!finished) best.dispose();
  }
}

/** The fast gradient sign method (Goodfellow et al. 2015): one l_inf step of size eps from x. */
export function fgsm(model: Classifier, x: tf.Tensor4D, y: tf.Tensor1D, opts: { eps: number }): tf.Tensor4D {
  return pgd(model, x, y, { threat: 'linf', eps: opts.eps, steps: 1, stepScale: 1, randomStart: false });
}
