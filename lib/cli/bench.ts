// `npm run bench`: the workload of a PyTorch peer script in ../shared/peers, on our backend, and with
// --peer the PyTorch script in the same run, for a ratio measured on the same machine at the same time.
//   --dataset mnist (default): pytorch_mnist_bench.py, the MadryLab CNN or its small variant
//   --dataset cifar10:         pytorch_cifar_bench.py, ResNet-9 at --width W
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../attacks/pgd';
import { initBackend } from '../backend/init';
import { Augmentation } from '../data/augment';
import { batchTensors, ImageDataset } from '../data/dataset';
import { loadDataset } from '../data/datasets';
import { MNIST_FILES } from '../data/mnist';
import { cifar10BatchesDir } from '../data/cifar10';
import { fetchFile } from '../data/fetch';
import { architecture } from '../models/architectures';
import { fastLayers, setFastLayers } from '../models/fast-path';
import { graphStats } from '../backend/graphs';
import { ROOT } from '../paths';
import { trainStep } from '../train/loop';
import { AttackSpec, attackSpec } from '../attacks/spec';
import { makeOptimizer, OptimizerSpec, trainableVariables } from '../train/optimizer';
import { int } from './args';

const PEER_SETUP = "python3 -m venv .peer && PIP_RETRIES=0 PIP_TIMEOUT=5 .peer/bin/pip install 'torch==2.13.0+cpu' numpy";

/** A peer script's workload, as its header states it. */
interface Workload {
  dataset: 'mnist' | 'cifar10';
  architecture: string;
  /** The peer's training images: the first n of the training set. */
  images: number;
  trainBatch: number;
  attackBatch: number;
  optimizer: OptimizerSpec;
  pgd: { eps: number; stepSize: number };
  /** FGSM training from a random start with this step (CIFAR only). */
  fgsmStep?: number;
  augmentation?: Augmentation;
  peerScript: string;
  peerArgs: string[];
}

function workload(dataset: string, model: string | undefined, width: number): Workload {
  if (dataset === 'mnist') {
    const arch = model ?? 'madry';
    return {
      dataset, architecture: arch, images: 60_000, trainBatch: 50, attackBatch: 100, optimizer: { name: 'adam', lr: 1e-4 },
      pgd: { eps: 0.3, stepSize: 0.01 }, peerScript: 'pytorch_mnist_bench.py', peerArgs: ['--model', arch],
    };
  }
  if (dataset === 'cifar10') {
    if (model !== undefined && model !== 'resnet9') throw new Error(`the CIFAR-10 benchmark trains ResNet-9 (--width W), not '${model}'`);
    return {
      // data_batch_1.bin, the peer's data.
      dataset, architecture: `resnet9-${width}`, images: 10_000, trainBatch: 128, attackBatch: 128,
      optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
      pgd: { eps: 8 / 255, stepSize: 2 / 255 }, fgsmStep: 10 / 255,
      // One crop offset a batch, as the peer does.
      augmentation: { pad: 4, flip: true, cropPerBatch: true },
      peerScript: 'pytorch_cifar_bench.py', peerArgs: ['--width', String(width)],
    };
  }
  throw new Error(`the benchmark has workloads for mnist and cifar10, not '${dataset}'`);
}

/** Images per second: best of `repeats` runs of `batches` batches, after one warm-up batch (as the peers do). */
function rate(fn: (i: number) => void, batches: number, repeats: number, perBatch: number): number {
  fn(0);
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) fn(1 + r * batches + b);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return +((batches * perBatch) / best).toFixed(1);
}

/** Batch i of the first `images` training images, in order, as the peers slice them. */
function batch(data: ImageDataset, images: number, i: number, size: number, augmentation?: Augmentation) {
  const start = (i % Math.floor(images / size)) * size;
  return batchTensors(data, Int32Array.from({ length: size }, (_, j) => start + j), augmentation && { augmentation, seed: i });
}

/** The kernels one call of `fn` runs, by total time: what `--profile` prints. */
async function profile(name: string, fn: () => void): Promise<void> {
  const graphRuns = graphStats.runs;
  const info = await tf.profile(fn);
  const inGraphs = graphStats.runs - graphRuns;
  if (inGraphs) console.log(`# ${name}: ${inGraphs} step(s) ran as one TensorFlow graph each, whose kernels tf.profile does not see: AT_ODDS_GRAPHS=0 lists them`);
  const by = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += k.kernelTimeMs as number;
    by.set(k.name, e);
  }
  const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.log(`# ${name}: ${info.kernels.length} kernels, ${rows.reduce((s, [, v]) => s + v.ms, 0).toFixed(1)} ms (a kernel inside another counts twice)`);
  for (const [kernel, v] of rows.slice(0, 12)) console.log(`#   ${kernel.padEnd(30)} ${String(v.calls).padStart(5)} calls ${v.ms.toFixed(1).padStart(8)} ms`);
}

async function ours(w: Workload, pgdSteps: number, batches: number, repeats: number, opts: { profile: boolean }) {
  const backend = await initBackend({ quiet: true });
  const data = await loadDataset(w.dataset, 'train');
  const net = architecture(w.architecture).build(0);
  const optimizer = makeOptimizer(w.optimizer);
  const vars = trainableVariables(net);
  const pgdSpec = attackSpec({ threat: 'linf', ...w.pgd, steps: pgdSteps });
  const step = (adversarial?: AttackSpec) => (i: number) => {
    const { x, y } = batch(data, w.images, i, w.trainBatch, w.augmentation);
    trainStep(net, optimizer, vars, x, y, { adversarial, seed: i, weightDecay: w.optimizer.weightDecay, cleanMetrics: false });
    tf.dispose([x, y]);
  };
  const attack = (i: number) => {
    const { x, y } = batch(data, w.images, i, w.attackBatch);
    const xAdv = pgd(net, x, y, { ...pgdSpec, seed: i });
    xAdv.dataSync(); // wait for the backend to finish, as PyTorch's eager loop does
    tf.dispose([x, y, xAdv]);
  };
  const fgsm = w.fgsmStep ? attackSpec({ threat: 'linf', eps: w.pgd.eps, steps: 1, stepSize: w.fgsmStep }) : null;
  if (opts.profile) {
    step()(0);
    await profile('standard training step', () => step()(1));
    await profile(`PGD-${pgdSteps} training step`, () => step(pgdSpec)(2));
    if (fgsm) await profile('FGSM training step', () => step(fgsm)(3));
    await profile(`PGD-${pgdSteps} attack`, () => attack(4));
  }
  const result = {
    backend: backend.name, model: w.architecture, layers: fastLayers() ? 'fast' : 'stock', batch: w.trainBatch, pgd_steps: pgdSteps,
    std_train_img_s: rate(step(), batches, repeats, w.trainBatch),
    adv_train_img_s: rate(step(pgdSpec), batches, repeats, w.trainBatch),
    ...(fgsm ? { fgsm_train_img_s: rate(step(fgsm), batches, repeats, w.trainBatch) } : {}),
    attack_img_s: rate(attack, batches, repeats, w.attackBatch),
    // Steps run as one TensorFlow graph (lib/backend/graphs.ts), and those that run op by op, and why.
    graphs: { compiled: graphStats.compiled, runs: graphStats.runs, op_by_op: [...new Set(graphStats.refused.map((r) => `${r.signature.split(' ')[0]}: ${r.why}`))] },
  };
  optimizer.dispose();
  net.dispose();
  return result;
}

/** The Python with torch and the peer script, checked before our half runs so that a missing one fails fast. */
function peerCommand(w: Workload): { python: string; script: string } {
  const python = process.env.AT_ODDS_PEER_PYTHON ?? path.join(ROOT, '.peer', 'bin', 'python');
  const script = process.env.AT_ODDS_PEER_SCRIPT ?? path.resolve(ROOT, '..', 'shared', 'peers', w.peerScript);
  if (!fs.existsSync(python)) throw new Error(`no Python with torch for --peer at ${python}: set one up with\n  ${PEER_SETUP}\nor point AT_ODDS_PEER_PYTHON at one`);
  if (!fs.existsSync(script)) throw new Error(`no peer script at ${script}: set AT_ODDS_PEER_SCRIPT`);
  return { script, python };
}

/** The folder of the data files the peer reads (the cache, the mirror or the extracted archive). */
async function peerData(w: Workload): Promise<string> {
  if (w.dataset === 'mnist') return path.dirname(await fetchFile(MNIST_FILES.train.images));
  return cifar10BatchesDir();
}

const USAGE = 'usage: at-odds bench [--dataset mnist|cifar10] [--model madry|small] [--width W] [--pgd-steps K] [--batches N] [--repeats R] [--peer]\n    [--live]           the explorer\'s attack in headless Chromium (PGD-20, 8 images, two models), beside Node\n    [--profile]        also print the kernels of one batch of each workload, by time\n    [--stock-layers]   tfjs-layers\' own batch norm and convolution instead of our fast paths (the speed before them)';

export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', default: 'mnist' }, model: { type: 'string' }, width: { type: 'string' }, 'pgd-steps': { type: 'string' },
      batches: { type: 'string' }, repeats: { type: 'string' }, peer: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false }, 'stock-layers': { type: 'boolean', default: false }, live: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`${USAGE}\n  defaults: mnist: --model madry --pgd-steps 10 --batches 6; cifar10: --width 16 --pgd-steps 7 --batches 4; --repeats 3`);
    return 0;
  }
  if (values.live) {
    const datasets = values.dataset === 'mnist' && !argv.some((a) => a.startsWith('--dataset')) ? ['mnist', 'cifar10'] as const : [values.dataset as 'mnist' | 'cifar10'];
    if (!datasets.every((d) => d === 'mnist' || d === 'cifar10')) throw new Error(`the live benchmark has workloads for mnist and cifar10, not '${values.dataset}'`);
    // Imported here: it draws with node-canvas, which `setup` (this command's neighbour in main.ts) builds.
    const { benchLive } = require('./bench-live') as typeof import('./bench-live');
    await benchLive([...datasets], int('repeats', values.repeats, 3));
    return 0;
  }
  const cifar = values.dataset === 'cifar10';
  if (!cifar && values.width !== undefined) throw new Error('--width is for the CIFAR-10 benchmark (ResNet-9)');
  const width = int('width', values.width, 16);
  const [k, b, r] = [int('pgd-steps', values['pgd-steps'], cifar ? 7 : 10), int('batches', values.batches, cifar ? 4 : 6), int('repeats', values.repeats, 3)];
  for (const [name, v] of [['width', width], ['pgd-steps', k], ['batches', b], ['repeats', r]] as const) if (v < 1) throw new Error(`--${name} must be >= 1, got ${v}`);
  const w = workload(values.dataset!, values.model, width);
  const peer = values.peer ? peerCommand(w) : null;
  if (values['stock-layers']) setFastLayers(false);
  const mine = await ours(w, k, b, r, { profile: values.profile! });
  console.log(JSON.stringify(mine));
  if (!peer) return 0;
  const p = spawnSync(peer.python, [peer.script, '--data', await peerData(w), ...w.peerArgs, '--pgd-steps', String(k), '--batches', String(b), '--repeats', String(r)], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`the PyTorch peer failed:\n${p.stderr}`);
  const theirs = JSON.parse(p.stdout.trim().split('\n').pop()!);
  console.log(JSON.stringify(theirs));
  const keys = Object.keys(mine).filter((key) => key.endsWith('_img_s') && key in theirs) as (keyof typeof mine)[];
  const ratio = Object.fromEntries(keys.map((key) => [String(key).replace('_img_s', ''), +((mine[key] as number) / theirs[key]).toFixed(2)]));
  console.log(JSON.stringify({ ratio_vs_peer: ratio, backend: mine.backend, peer: theirs.peer, model: mine.model }));
  return 0;
}
