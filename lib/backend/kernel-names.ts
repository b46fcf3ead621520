// Names of the kernels at-odds registers itself, in a module of their own: the layers that look them
// up also run in the browser, where the module that registers them (it needs tfjs-node) cannot go.

/**
 * Training-mode batch norm over the last axis of x [N, H, W, C], with scale and offset [C]:
 * outputs y [N, H, W, C], the batch mean [C], the batch variance [C] (unbiased, as TensorFlow gives
 * it) and three reserve tensors that the gradient reads. Attribute: epsilon.
 */
export const FUSED_BATCH_NORM_TRAINING = 'AtOddsFusedBatchNormTraining';

/**
 * Per-example cross-entropy of logits [N, K] against int32 labels [N], and its gradient, in one
 * TensorFlow kernel (SparseSoftmaxCrossEntropyWithLogits): tfjs builds it from about 25. Registered
 * on tfjs-node only.
 */
export const SPARSE_CROSS_ENTROPY = 'AtOddsSparseSoftmaxCrossEntropy';
