// Faster gradients on tfjs-node, found by profiling training steps (tf.profile).
//
// 1. tfjs differentiates ReLU as dy * step(x), and tfjs-node builds step(x) from six TensorFlow ops
//    (IsNan, Greater, OnesLike, Fill, two Selects): a quarter of a PGD step on the MNIST CNN.
//    TensorFlow has a fused ReluGrad kernel; we route ReLU's gradient to it.
//    ReLU6 (MobileNet's activation) is the same story, worse: its tfjs gradient is about a dozen
//    kernels, half of a PGD step on MobileNet. TensorFlow's Relu6Grad passes dy where 0 < x < 6, as
//    TensorFlow and PyTorch differentiate it; tfjs also passes it at x = 6 exactly.
// 2. Batch norm in training mode, as tfjs-layers builds it, is moments + batchNorm forward and about
//    twenty kernels backward, each one a pass over the activations. TensorFlow's FusedBatchNormV3 and
//    FusedBatchNormGradV3 do it in one pass each way; FUSED_BATCH_NORM_TRAINING exposes them as one
//    multi-output kernel with its gradient, which lib/models/batch-norm.ts uses where it is registered.
// 3. TensorFlow's MaxPoolGrad is a scalar loop in this build: 2.9 ms for a [50, 28, 28, 16] pool, a
//    tenth of the small CNN's training step. oneDNN's pooling backward (the kernel TensorFlow itself
//    runs in graph mode) takes 0.8 ms with its forward pass, and gives the same bits where windows do
//    not overlap: each input then takes its gradient from one window, to the first largest input as
//    MaxPoolGrad does. Our CNNs and ResNet-9 pool by 2 with stride 2; other pools stay stock.
// 4. The training loss, softmax cross-entropy, is about 25 kernels forward and backward in tfjs;
//    SparseSoftmaxCrossEntropyWithLogits gives the loss and its gradient (softmax - onehot) in one.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { FUSED_BATCH_NORM_TRAINING, SPARSE_CROSS_ENTROPY } from './kernel-names';

export { FUSED_BATCH_NORM_TRAINING, SPARSE_CROSS_ENTROPY };

const RELU_GRAD = 'AtOddsReluGrad';
const RELU6_GRAD = 'AtOddsRelu6Grad';

/** An attribute of a TensorFlow op, as tfjs-node's binding takes it. */
export interface TfeAttr { name: string; type: number; value: unknown }
/** What we use of tfjs-node's backend: its binding's constants, and running any TensorFlow op by name. */
export interface NodeBackend extends KernelBackend {
  binding: {
    TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_INT: number; TF_ATTR_TYPE: number; TF_ATTR_SHAPE: number;
    TF_FLOAT: number; isUsingGpuDevice(): boolean;
  };
  executeSingleOutput(name: string, attrs: TfeAttr[], inputs: TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: TfeAttr[], inputs: TensorInfo[], numOutputs: number): tf.Tensor[];
}

let registered = false;

export function registerNodeKernels(): void {
  if (registered) return;
  registered = true;
  // Required here, not imported: this module must load where tfjs-node is not installed.
  const { createTensorsTypeOpAttr } = require('@tensorflow/tfjs-node/dist/nodejs_kernel_backend');
  for (const [op, kernel, tfOp] of [['Relu', RELU_GRAD, 'ReluGrad'], ['Relu6', RELU6_GRAD, 'Relu6Grad']]) {
    tf.registerKernel({
      kernelName: kernel, backendName: 'tensorflow',
      kernelFunc: ({ inputs, backend }) => {
        const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
        return (backend as NodeBackend).executeSingleOutput(tfOp, [createTensorsTypeOpAttr('T', dy.dtype)], [dy, x]);
      },
    });
    const stock = tf.getGradient(op);
    tf.registerGradient({
      kernelName: op, inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        if (tf.getBackend() !== 'tensorflow' || x.dtype !== 'float32') return stock.gradFunc(dy, saved, attrs);
        return { x: () => tf.engine().runKernel(kernel, { dy: dy as tf.Tensor, x }) as tf.Tensor };
      },
    });
  }
  registerFusedBatchNorm(createTensorsTypeOpAttr);
  registerOneDnnMaxPoolGrad(createTensorsTypeOpAttr);
  registerSparseCrossEntropy(createTensorsTypeOpAttr);
}

function registerSparseCrossEntropy(typeAttr: (name: string, dtype: tf.DataType) => TfeAttr): void {
  tf.registerKernel({
    kernelName: SPARSE_CROSS_ENTROPY, backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend }) => {
      const { logits, labels } = inputs as { logits: TensorInfo; labels: TensorInfo };
      // Outputs: the loss [N] and its gradient with respect to the logits [N, K].
      return (backend as NodeBackend).executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits',
        [typeAttr('T', 'float32'), typeAttr('Tlabels', 'int32')], [logits, labels], 2);
    },
  });
  tf.registerGradient({
    kernelName: SPARSE_CROSS_ENTROPY, outputsToSave: [false, true],
    gradFunc: (dys, saved) => {
      const [backprop] = saved;
      const dy = (dys as tf.Tensor[])[0];
      return { logits: () => tf.mul(backprop, tf.expandDims(dy, -1)), labels: () => tf.zerosLike(dy) };
    },
  });
}

/** The attributes of a max-pool in TensorFlow's terms, or null unless its windows tile the input. */
function tilingPool(input: TensorInfo, attrs: NamedAttrMap): { ksize: number[]; strides: number[] } | null {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  if (input.dtype !== 'float32' || input.shape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  if (info.padInfo.type !== 'VALID' || info.filterHeight !== info.strideHeight || info.filterWidth !== info.strideWidth) return null;
  return { ksize: [1, info.filterHeight, info.filterWidth, 1], strides: [1, info.strideHeight, info.strideWidth, 1] };
}

function registerOneDnnMaxPoolGrad(typeAttr: (name: string, dtype: tf.DataType) => TfeAttr): void {
  const stock = tf.getKernel('MaxPoolGrad', 'tensorflow');
  if (!stock) return;
  const oneDnn = (backend: NodeBackend, dy: TensorInfo, input: TensorInfo, pool: { ksize: number[]; strides: number[] }): TensorInfo => {
    const b = backend.binding;
    const attrs: TfeAttr[] = [
      typeAttr('T', 'float32'),
      { name: 'ksize', type: b.TF_ATTR_INT, value: pool.ksize },
      { name: 'strides', type: b.TF_ATTR_INT, value: pool.strides },
      { name: 'padding', type: b.TF_ATTR_STRING, value: 'VALID' },
      { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
      { name: 'workspace_enabled', type: b.TF_ATTR_BOOL, value: true },
      { name: '_kernel', type: b.TF_ATTR_STRING, value: 'MklNameChangeOp' },
    ];
    // The backward pass needs the forward's workspace (where each maximum was): run the forward again.
    const [output, workspace] = backend.executeMultipleOutputs('_MklNativeMaxPool', attrs, [input], 2);
    try {
      return backend.executeSingleOutput('_MklNativeMaxPoolGrad', attrs, [input, output, dy, workspace]);
    } finally {
      tf.dispose([output, workspace]);
    }
  };
  // oneDNN's kernels exist only where TensorFlow runs with them (TF_ENABLE_ONEDNN_OPTS): check once,
  // on a pool full of ties, that they run and agree with MaxPoolGrad to the bit.
  const agrees = (() => {
    const backend = tf.backend() as NodeBackend;
    const x = tf.tensor4d([0, 1, 1, 0, 2, 2, 2, 2, 0, 0, 0, 0, 3, 1, 3, 3], [1, 4, 4, 1]);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    // The kernels return tfjs tensors (tfjs-node's executeSingleOutput): disposed as such.
    const made: TensorInfo[] = [x, y, dy];
    try {
      const theirs = stock.kernelFunc({ inputs: { dy, input: x, output: y }, attrs, backend }) as TensorInfo;
      made.push(theirs);
      const ours = oneDnn(backend, dy, x, tilingPool(x, attrs)!);
      made.push(ours);
      const [a, b] = [ours, theirs].map((t) => backend.readSync(t.dataId) as Float32Array);
      return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    } catch {
      return false;
    } finally {
      tf.dispose(made as tf.Tensor[]);
    }
  })();
  if (!agrees) return;
  tf.unregisterKernel('MaxPoolGrad', 'tensorflow');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
      const pool = tilingPool(input, args.attrs ?? {});
      return pool ? oneDnn(args.backend as NodeBackend, dy, input, pool) : stock.kernelFunc(args);
    },
  });
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
