// One call for what a training or attack step computes: on tfjs-node, the TensorFlow ops the step
// runs are recorded once and replayed as one TensorFlow graph (lib/backend/graphs.ts); elsewhere, and
// where a step cannot be replayed, the step runs op by op as before. This module is the hook only: it
// also loads in the browser, where the compiler (it needs tfjs-node) cannot go.
import * as tf from '@tensorflow/tfjs';

export interface Compiler {
  /**
   * Computes fn(), whose only varying tensors are `inputs`, as its compiled graph for (owner, signature)
   * if it has one; compiles it on the first call.
   */
  run(owner: object, signature: string, fn: () => tf.Tensor[], inputs: tf.Tensor[]): tf.Tensor[];
  /** Drops every compiled step. */
  forget(): void;
}

let compiler: Compiler | null = null;

/** Installs (or, with null, removes) the compiler of the tfjs-node backend. */
export function setCompiler(c: Compiler | null): void {
  compiler = c;
}

/** Forgets every recorded step (our layers' fast paths were switched on or off: the same model runs other ops). */
export function forgetCompiled(): void {
  compiler?.forget();
}

/** Whether steps run as graphs here (tfjs-node, unless AT_ODDS_GRAPHS=0). */
export function hasCompiler(): boolean {
  return compiler !== null && tf.getBackend() === 'tensorflow';
}

/**
 * fn()'s outputs. fn must read no tensor but `inputs` (and constants it makes itself), nor make data
 * in JavaScript: the compiler checks both while it records, and runs fn op by op where they fail. The
 * variables fn assigns (batch norm's running statistics) are assigned on every call, as fn would.
 * (owner, signature) names the computation: the same pair must mean the same fn of the same shapes.
 */
export function compiled(owner: object, signature: string, fn: () => tf.Tensor[], inputs: tf.Tensor[]): tf.Tensor[] {
  return hasCompiler() ? compiler!.run(owner, signature, fn, inputs) : fn();
}
