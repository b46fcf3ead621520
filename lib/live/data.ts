// What a live explorer carries in its page: the models, the images and where it starts. Written by
// lib/plots/explorer.ts in Node, read by lib/live/explorer.ts in the browser.
import type { io } from '@tensorflow/tfjs';
import type { Norm } from '../attacks/threat';

/** Bytes as gzip, then base64 (lib/plots/pack.ts); weights are byte-shuffled first (`stride` 2). */
export type Packed = string;

export interface PackedModel {
  name: string;
  modelTopology: object;
  /** float16, as a shipped model's weights.bin holds them (tfjs widens them once, on load). */
  weightSpecs: io.WeightsManifestEntry[];
  weights: Packed;
}

export interface LiveExplorerData {
  models: PackedModel[];
  /** Test images [N, H, W, C] as bytes (0-255). */
  images: { shape: [number, number, number, number]; pixels: Packed };
  labels: number[];
  /** A name per class where the data set has them (CIFAR-10); digits otherwise. */
  classNames?: string[];
  /** The slider's range in each norm. */
  ranges: Record<Norm, { max: number; step: number }>;
  /** Show eps as k/255 (CIFAR-10 counts in grey levels). */
  levels: boolean;
  /** Where the explorer starts; Node drew this state into the page, for the PDF and a page without scripts. */
  initial: { norm: Norm; eps: number; steps: number; target: number | null; selected: number[] };
  /** Offer a canvas to draw on (MNIST). */
  canDraw: boolean;
  /** TensorFlow.js's SIMD wasm binary. */
  wasm: Packed;
}
