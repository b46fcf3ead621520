// The explorer's computing half: TensorFlow.js, the models and PGD (lib/figures/attack.ts, the loop
// Node's starting picture runs), served over messages. It runs in a Web Worker, so that the page's main
// thread only draws (a PGD step on CIFAR-10 holds a thread for tens of milliseconds), or in the page
// itself where a worker cannot start (lib/live/attack.ts decides); the messages are the same.
import * as tf from '@tensorflow/tfjs';
import { attackModels, AttackSettings } from '../figures/attack';
import { gradientColours, inputGradients, perturbationColours } from '../figures/gradients';
import { modelFromArtifacts } from '../models/artifacts';
import { logits } from '../models/classifier';
import { startBackend } from './backend';
import type { Packed, PackedModel } from './data';
import { unpack } from './unpack';

/** What the page asks. A newer id makes the attack in progress stop at its next slice. */
export type Request =
  | { kind: 'init'; wasm: Packed; noWasm: boolean; models: PackedModel[] }
  /** The first model's class for each image x [k, H, W, C] (a drawn digit's label). */
  | { kind: 'classify'; id: number; x: Float32Array; shape: [number, number, number, number] }
  | { kind: 'attack'; id: number; x: Float32Array; shape: [number, number, number, number]; labels: number[]; settings: AttackSettings };

/** One model's answer for the attacked images: arrays ready to draw. */
export interface WorkerResult {
  name: string;
  /** [k, H, W, C] */
  adversarial: Float32Array;
  /** [k, classes] */
  probs: Float32Array;
  /** The perturbation and the loss gradient as colours, [k, H, W, 3] in [0, 1]. */
  delta: Float32Array;
  grad: Float32Array;
}

export type Reply =
  | { kind: 'ready'; backend: string }
  | { kind: 'classes'; id: number; classes: number[] }
  | { kind: 'result'; id: number; results: WorkerResult[] }
  /** A newer request came first: this one's work was dropped. */
  | { kind: 'stale'; id: number }
  | { kind: 'error'; id: number | null; message: string };

/** A worker's global scope or one end of a MessageChannel: what serve() talks through. */
export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
}

/**
 * Work between two looks at the message queue, in milliseconds. In a worker this only bounds how long a
 * newer request waits; in the page it is also the longest the page goes without drawing.
 */
const SLICE_MS = 20;

/** Lets this thread's queued messages (and, in the page, input and drawing) run, then goes on. */
function yielder(): () => Promise<void> {
  // A message to ourselves comes back at once, where a timer may be clamped to 4 ms or more.
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () => new Promise<void>((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });
}

/** Serves the requests that arrive on `port`, one model set per port. */
export function serve(port: Port): void {
  const yieldNow = yielder();
  let models: { name: string; model: tf.LayersModel }[] = [];
  let started: Promise<string> | null = null;
  let latest = -1;
  const reply = (r: Reply, transfer: Transferable[] = []) => port.postMessage(r, transfer);

  async function attack(r: Extract<Request, { kind: 'attack' }>): Promise<void> {
    const [k, h, w, c] = r.shape;
    const x = tf.tensor4d(r.x, r.shape);
    const y = tf.tensor1d(r.labels, 'int32');
    let sliceStart = performance.now();
    const pause = () => {
      if (latest !== r.id) return true;
      if (performance.now() - sliceStart <= SLICE_MS) return false;
      return yieldNow().then(() => { sliceStart = performance.now(); return latest !== r.id; });
    };
    let advs: tf.Tensor4D[] | null = null;
    const goal = r.settings.target == null ? y : tf.fill([k], r.settings.target, 'int32') as tf.Tensor1D;
    try {
      advs = await attackModels(models.map((m) => m.model), x, y, r.settings, pause);
      if (!advs) return reply({ kind: 'stale', id: r.id });
      const results: WorkerResult[] = [];
      for (const [i, { name, model }] of models.entries()) {
        const xAdv = advs[i];
        const shown = tf.tidy(() => ({
          probs: tf.softmax(logits(model, xAdv)),
          delta: perturbationColours(tf.sub(xAdv, x) as tf.Tensor4D),
          grad: gradientColours(inputGradients(model, xAdv, goal)),
        }));
        // Copies: the cpu backend hands out its own storage, which the transfer below would take from it.
        const [adversarial, probs, delta, grad] = (await Promise.all([xAdv.data(), shown.probs.data(), shown.delta.data(), shown.grad.data()]) as Float32Array[]).map((a) => a.slice());
        tf.dispose([shown.probs, shown.delta, shown.grad]);
        if (adversarial.length !== k * h * w * c) throw new Error(`model '${name}' gave ${adversarial.length} adversarial values for ${k} images`);
        results.push({ name, adversarial, probs, delta, grad });
      }
      reply({ kind: 'result', id: r.id, results }, results.flatMap((m) => [m.adversarial.buffer, m.probs.buffer, m.delta.buffer, m.grad.buffer]));
    } finally {
      tf.dispose([x, y, ...(advs ?? []), ...(goal === y ? [] : [goal])]);
    }
  }

  async function handle(r: Request): Promise<void> {
    if (r.kind === 'init') {
      started = (async () => {
        const backend = await startBackend(r.wasm, r.noWasm);
        models = await Promise.all(r.models.map(async (m) => ({
          name: m.name,
          model: await modelFromArtifacts({ modelTopology: m.modelTopology, weightSpecs: m.weightSpecs, weightData: (await unpack(m.weights, 2)).buffer as ArrayBuffer }, `the explorer's model '${m.name}'`),
        })));
        return backend;
      })();
      reply({ kind: 'ready', backend: await started });
      return;
    }
    latest = r.id;
    if (!started) throw new Error('the explorer\'s worker was asked to compute before it was started');
    await started;
    if (r.kind === 'classify') {
      const classes = tf.tidy(() => tf.argMax(logits(models[0].model, tf.tensor4d(r.x, r.shape)), -1).dataSync());
      reply({ kind: 'classes', id: r.id, classes: Array.from(classes) });
    } else {
      await attack(r);
    }
  }

  port.onmessage = (e: MessageEvent) => {
    const r = e.data as Request;
    handle(r).catch((err: unknown) => reply({ kind: 'error', id: r.kind === 'init' ? null : r.id, message: err instanceof Error ? err.message : String(err) }));
  };
}
