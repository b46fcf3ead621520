// Saving and loading models as a directory (model.json + weights.bin), on any backend: tfjs-node's
// file:// handler exists only where tfjs-node does, so we write the files ourselves, atomically.
import * as fs from 'fs';
import { sha256 } from '../io/sha256';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../io/atomic';
import { expectedWeightBytes, halve, modelFromArtifacts } from './artifacts';

/** Writes model.json and weights.bin into `dir`; `float16` halves the file (weights rounded to ~3 digits). */
export async function saveModel(model: tf.LayersModel, dir: string, opts: { float16?: boolean } = {}): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const { weightData, ...rest } = artifacts;
    let weights = tf.io.CompositeArrayBuffer.join(weightData);
    let specs = rest.weightSpecs!;
    if (opts.float16) [specs, weights] = halve(specs, weights);
    // Weights first: a model.json is only ever written next to the weights it describes.
    writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(weights));
    writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify({
      modelTopology: rest.modelTopology,
      format: rest.format, generatedBy: rest.generatedBy, convertedBy: rest.convertedBy,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      // Ours, not TensorFlow.js's: loadModel refuses weights that are not the ones written here.
      weightsSha256: sha256(new Uint8Array(weights)),
    }));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = path.join(dir, 'model.json');
  if (!fs.existsSync(jsonPath)) throw new Error(`no model at ${dir}: ${jsonPath} does not exist`);
  let json: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; weightsSha256?: string };
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`${jsonPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath} is not a TensorFlow.js layers model`);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => {
    const file = path.join(dir, p);
    if (!fs.existsSync(file)) throw new Error(`${jsonPath} names ${p}, which is missing`);
    const b = fs.readFileSync(file);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }));
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  // Models saved before the checksum existed (and models of other tools) load without one.
  if (json.weightsSha256 !== undefined && sha256(new Uint8Array(weightData)) !== json.weightsSha256) {
    throw new Error(`${dir}: the weights are not the ones model.json was written with (SHA-256 differs): a damaged copy; restore it (git checkout, or train again)`);
  }
  const expected = expectedWeightBytes(specs);
  if (weightData.byteLength !== expected) {
    throw new Error(`${dir}: the weights hold ${weightData.byteLength} bytes, model.json describes ${expected}`);
  }
  return modelFromArtifacts({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }, jsonPath);
}
