// Faster gradients on tfjs-node, found by profiling training steps (tf.profile).
//
// 1. tfjs differentiates ReLU as dy * step(x), and tfjs-node builds step(x) from six TensorFlow ops
//    (IsNan, Greater, OnesLike, Fill, two Selects): a quarter of a PGD step on the MNIST CNN.
//    TensorFlow has a fused ReluGrad kernel; we route ReLU's gradient to it.
// 2. Batch norm in training mode, as tfjs-layers builds it, is moments + batchNorm forward and about
//    twenty kernels backward, each one a pass over the activations. TensorFlow's FusedBatchNormV3 and
//    FusedBatchNormGradV3 do it in one pass each way; FUSED_BATCH_NORM_TRAINING exposes them as one
//    multi-output kernel with its gradient, which lib/models/batch-norm.ts uses where it is registered.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { FUSED_BATCH_NORM_TRAINING } from './kernel-names';

export { FUSED_BATCH_NORM_TRAINING };

const RELU_GRAD = 'AtOddsReluGrad';

interface TfeAttr { name: string; type: number; value: unknown }
interface NodeBackend extends KernelBackend {
  binding: { TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number };
  executeSingleOutput(name: string, attrs: TfeAttr[], inputs: TensorInfo[]): TensorInfo;
  executeMultipleOutputs(name: string, attrs: TfeAttr[], inputs: TensorInfo[], numOutputs: number): tf.Tensor[];
}

let registered = false;

export function registerNodeKernels(): void {
  if (registered) return;
  registered = true;
  // Required here, not imported: this module must load where tfjs-node is not installed.
  const { createTensorsTypeOpAttr } = require('@tensorflow/tfjs-node/dist/nodejs_kernel_backend');
  tf.registerKernel({
    kernelName: RELU_GRAD, backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
      return (backend as NodeBackend).executeSingleOutput('ReluGrad', [createTensorsTypeOpAttr('T', dy.dtype)], [dy, x]);
    },
  });
  const stock = tf.getGradient('Relu');
  tf.registerGradient({
    kernelName: 'Relu', inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      if (tf.getBackend() !== 'tensorflow' || x.dtype !== 'float32') return stock.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
    },
  });
  registerFusedBatchNorm(createTensorsTypeOpAttr);
}

function registerFusedBatchNorm(typeAttr: (name: string, dtype: tf.DataType) => TfeAttr): void {
  const attrs = (backend: NodeBackend, epsilon: number): TfeAttr[] => [
    typeAttr('T', 'float32'), typeAttr('U', 'float32'),
    { name: 'epsilon', type: backend.binding.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: backend.binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: backend.binding.TF_ATTR_BOOL, value: true },
  ];
  tf.registerKernel({
    kernelName: FUSED_BATCH_NORM_TRAINING, backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend, attrs: a }) => {
      const { x, scale, offset } = inputs as { x: TensorInfo; scale: TensorInfo; offset: TensorInfo };
      const { epsilon } = a as unknown as { epsilon: number };
      // In training mode TensorFlow ignores the running statistics it is given: pass empty ones.
      const empty = tf.tensor1d([], 'float32');
      const node = backend as NodeBackend;
      const outs = node.executeMultipleOutputs('FusedBatchNormV3',
        [...attrs(node, epsilon), { name: 'exponential_avg_factor', type: node.binding.TF_ATTR_FLOAT, value: 1 }], [x, scale, offset, empty, empty], 6);
      empty.dispose();
      return outs;
    },
  });
  tf.registerGradient({
    kernelName: FUSED_BATCH_NORM_TRAINING, inputsToSave: ['x', 'scale'], outputsToSave: [false, false, false, true, true, true],
    gradFunc: (dys, saved, a) => {
      const [x, scale, r1, r2, r3] = saved;
      const dy = (dys as tf.Tensor[])[0];
      const { epsilon } = a as NamedAttrMap as { epsilon: number };
      // One kernel gives all three gradients: run it once, hand each input its own.
      const node = tf.backend() as NodeBackend;
      const [dx, dScale, dOffset, ...rest] = node.executeMultipleOutputs('FusedBatchNormGradV3', attrs(node, epsilon), [dy, x, scale, r1, r2, r3], 5);
      tf.dispose(rest);
      return { x: () => dx, scale: () => dScale, offset: () => dOffset };
    },
  });
}
