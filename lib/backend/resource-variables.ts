// TensorFlow's resource variables and fused training ops, reached through tfjs-node.
//
// tfjs's optimizers update a variable with a dozen element-wise kernels (Adam: fifteen), each a pass
// over the weights that allocates a new tensor: on the MadryLab CNN's 3.2M-weight dense layer that
// was a fifth of a training step. TensorFlow's ResourceApplyAdam / ResourceApplyMomentum do the same
// update in one pass (the moments in place; the weights after one copy, as the tfjs variable still
// holds their last value), but only on resource variables. tfjs-node passes such a handle around as
// an opaque tensor (dtype 'string'), as it does for its summary writers.
import * as tf from '@tensorflow/tfjs';
import type { NodeBackend, TfeAttr } from './node-kernels';

type Binding = NodeBackend['binding'];

/** A TensorFlow resource variable: a handle the fused ops update in place. */
export type ResourceHandle = tf.Tensor;

/**
 * Whether the fused training ops run here: tfjs-node on the CPU. (tfjs-node-gpu would place the
 * variables on the GPU; untested there, so its optimizers stay tfjs's own.)
 */
export function fusedTrainingOps(): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  const b = (tf.backend() as unknown as NodeBackend).binding;
  return typeof b?.isUsingGpuDevice === 'function' && !b.isUsingGpuDevice();
}

function node(): NodeBackend {
  if (!fusedTrainingOps()) throw new Error(`resource variables need tfjs-node on the CPU; the backend is '${tf.getBackend()}'`);
  return tf.backend() as unknown as NodeBackend;
}

const bool = (b: Binding, name: string, value: boolean): TfeAttr => ({ name, type: b.TF_ATTR_BOOL, value });
const float32 = (b: Binding): TfeAttr => ({ name: 'dtype', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT });
const typeT = (b: Binding): TfeAttr => ({ name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT });

let count = 0;

/** A new float32 resource variable holding a copy of `value`. */
export function resourceVariable(value: tf.Tensor): ResourceHandle {
  const be = node();
  const b = be.binding;
  // Eager resource variables are looked up by name: each gets its own.
  // Kept: a tf.tidy around the first step must not dispose the optimizer's variables.
  const handle = tf.keep(be.executeSingleOutput('VarHandleOp', [
    float32(b), { name: 'shape', type: b.TF_ATTR_SHAPE, value: value.shape },
    { name: 'container', type: b.TF_ATTR_STRING, value: '' },
    { name: 'shared_name', type: b.TF_ATTR_STRING, value: `at-odds/${process.pid}/${count++}` },
  ], []));
  assignResource(handle, value);
  return handle;
}

/** Replaces the variable's value with `value` (same shape). */
export function assignResource(handle: ResourceHandle, value: tf.Tensor): void {
  if (value.dtype !== 'float32') throw new Error(`resource variables hold float32, got ${value.dtype}`);
  const be = node();
  be.executeMultipleOutputs('AssignVariableOp', [float32(be.binding), bool(be.binding, 'validate_shape', true)], [handle, value], 0);
}

/**
 * The variable's value as a tfjs tensor. It shares the variable's buffer; the next update copies the
 * buffer first (TensorFlow's copy-on-write), so the tensor keeps the value it was read with.
 */
export function readResource(handle: ResourceHandle): tf.Tensor {
  const be = node();
  return be.executeSingleOutput('ReadVariableOp', [float32(be.binding)], [handle]);
}

/** Frees the variable and its handle. */
export function destroyResource(handle: ResourceHandle): void {
  try {
    const be = node();
    be.executeMultipleOutputs('DestroyResourceOp', [bool(be.binding, 'ignore_lookup_error', true)], [handle], 0);
  } finally {
    handle.dispose();
  }
}

/**
 * Adam in one pass (TensorFlow's ApplyAdam): m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
 * w -= lr_t m / (sqrt(v) + eps_t), with lr_t = lr sqrt(1 - b2^t) / (1 - b1^t). `scalars` are float32
 * scalars [b1^t, b2^t, lr, b1, b2, eps_t].
 */
export function applyAdam(w: ResourceHandle, m: ResourceHandle, v: ResourceHandle, scalars: tf.Scalar[], g: tf.Tensor): void {
  const be = node();
  const b = be.binding;
  be.executeMultipleOutputs('ResourceApplyAdam', [typeT(b), bool(b, 'use_locking', false), bool(b, 'use_nesterov', false)], [w, m, v, ...scalars, g], 0);
}

/**
 * Momentum SGD in one pass (TensorFlow's ApplyMomentum): a = momentum a + g; then w -= lr a, or with
 * Nesterov w -= lr (g + momentum a): PyTorch's SGD with dampening 0.
 */
export function applyMomentum(w: ResourceHandle, accumulation: ResourceHandle, lr: tf.Scalar, g: tf.Tensor, momentum: tf.Scalar, nesterov: boolean): void {
  const be = node();
  const b = be.binding;
  be.executeMultipleOutputs('ResourceApplyMomentum', [typeT(b), bool(b, 'use_locking', false), bool(b, 'use_nesterov', nesterov)], [w, accumulation, lr, g, momentum], 0);
}
