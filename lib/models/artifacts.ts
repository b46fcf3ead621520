// A model as its parts in memory (topology, weight specs, weight bytes) and back: what a file on disk
// (lib/models/io.ts) and a model carried in a web page (lib/live) are both made of.
import * as tf from '@tensorflow/tfjs';
import { toFloat16 } from '../io/float16';
// Registered before any topology is read: they replace the stock classes of the same names.
import './batch-norm';
import './conv';

export interface ModelArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Float32 weights as float16, and their specs marked so that TensorFlow.js widens them on load. */
export function halve(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): [tf.io.WeightsManifestEntry[], ArrayBuffer] {
  if (specs.some((s) => s.dtype !== 'float32' || s.quantization)) throw new Error('float16 storage takes float32 weights only');
  return [specs.map((s) => ({ ...s, quantization: { dtype: 'float16' as const } })), toFloat16(new Float32Array(data)).buffer as ArrayBuffer];
}

/**
 * The float16 weights a model was loaded from, as they were (a shipped model's weights.bin), with the
 * tensors they became: while the model holds those same tensors (training or setWeights assign new
 * ones), its weights are these bytes.
 */
const loadedHalf = new WeakMap<tf.LayersModel, { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer; tensors: object[] }>();

const weightTensors = (model: tf.LayersModel) => model.weights.map((w) => w.read().dataId);

/**
 * The model's parts, its weights as float16: a model loaded from float16 gives the bytes it was loaded
 * from, as they were; any other is halved once (rounded to ~3 digits).
 */
export async function modelArtifacts(model: tf.LayersModel): Promise<ModelArtifacts> {
  const half = loadedHalf.get(model);
  if (half) {
    const now = weightTensors(model);
    if (now.length === half.tensors.length && now.every((t, i) => t === half.tensors[i])) {
      return { modelTopology: model.toJSON(null, false) as object, weightSpecs: half.weightSpecs, weightData: half.weightData };
    }
  }
  let out: ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const [weightSpecs, weightData] = halve(artifacts.weightSpecs!, tf.io.CompositeArrayBuffer.join(artifacts.weightData));
    out = { modelTopology: artifacts.modelTopology as object, weightSpecs, weightData };
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  return out!;
}

/** How many bytes the specs describe, so that a short or long weight buffer is refused by name. */
export function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  const bytesPer = (s: tf.io.WeightsManifestEntry) => (s.quantization ? { uint8: 1, uint16: 2, float16: 2 }[s.quantization.dtype] : 4);
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * bytesPer(s), 0);
}

/** The model from its parts; `where` names the source in errors. */
export async function modelFromArtifacts(a: ModelArtifacts, where: string): Promise<tf.LayersModel> {
  const expected = expectedWeightBytes(a.weightSpecs);
  if (a.weightData.byteLength !== expected) {
    throw new Error(`${where}: the weights hold ${a.weightData.byteLength} bytes, the model describes ${expected}`);
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(a));
  } catch (e) {
    // tfjs says "Shape mismatch: ..." or names a layer, never the source.
    throw new Error(`${where}: the network it describes does not load (${(e as Error).message})`);
  }
  if (a.weightSpecs.length && a.weightSpecs.every((s) => s.dtype === 'float32' && s.quantization?.dtype === 'float16')) {
    loadedHalf.set(model, { weightSpecs: a.weightSpecs, weightData: a.weightData, tensors: weightTensors(model) });
  }
  return model;
}
