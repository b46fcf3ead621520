// `npm run bench`: the workload of ../shared/peers/pytorch_mnist_bench.py, on our backend, and with
// --peer the PyTorch script in the same run, for a ratio measured on the same machine at the same time.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../attacks/pgd';
import { initBackend } from '../backend/init';
import { batchTensors, ImageDataset } from '../data/dataset';
import { loadMnist, MNIST_FILES } from '../data/mnist';
import { fetchFile } from '../data/fetch';
import { MnistArchitecture, mnistCnn } from '../models/mnist';
import { ROOT } from '../paths';
import { trainStep } from '../train/loop';
import { makeOptimizer, trainableVariables } from '../train/optimizer';
import { int } from './args';

const PGD = { threat: 'linf' as const, eps: 0.3, stepSize: 0.01, randomStart: true };
const PEER_SETUP = "python3 -m venv .peer && PIP_RETRIES=0 PIP_TIMEOUT=5 .peer/bin/pip install 'torch==2.13.0+cpu' numpy";

/** Images per second: best of `repeats` runs of `batches` batches, after one warm-up batch (as the peer does). */
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

/** Batch i of the training set, in order: images i*size .. (i+1)*size, as the peer slices them. */
function batch(data: ImageDataset, i: number, size: number) {
  return batchTensors(data, Int32Array.from({ length: size }, (_, j) => (i * size + j) % data.n));
}

async function ours(model: MnistArchitecture, pgdSteps: number, batches: number, repeats: number) {
  const backend = await initBackend({ quiet: true });
  const data = await loadMnist('train');
  const net = mnistCnn(model, 0);
  const optimizer = makeOptimizer({ name: 'adam', lr: 1e-4 });
  const vars = trainableVariables(net);
  const step = (adversarial: boolean) => (i: number) => {
    const { x, y } = batch(data, i, 50);
    trainStep(net, optimizer, vars, x, y, adversarial ? { ...PGD, steps: pgdSteps } : undefined, i);
    tf.dispose([x, y]);
  };
  const attack = (i: number) => {
    const { x, y } = batch(data, i, 100);
    const xAdv = pgd(net, x, y, { ...PGD, steps: pgdSteps, seed: i });
    xAdv.dataSync(); // wait for the backend to finish, as PyTorch's eager loop does
    tf.dispose([x, y, xAdv]);
  };
  const result = {
    backend: backend.name, model, pgd_steps: pgdSteps,
    std_train_img_s: rate(step(false), batches, repeats, 50),
    adv_train_img_s: rate(step(true), batches, repeats, 50),
    attack_img_s: rate(attack, batches, repeats, 100),
  };
  optimizer.dispose();
  net.dispose();
  return result;
}

/** The Python with torch and the peer script, checked before our half runs so that a missing one fails fast. */
function peerCommand(): { python: string; script: string } {
  const python = process.env.AT_ODDS_PEER_PYTHON ?? path.join(ROOT, '.peer', 'bin', 'python');
  const script = process.env.AT_ODDS_PEER_SCRIPT ?? path.resolve(ROOT, '..', 'shared', 'peers', 'pytorch_mnist_bench.py');
  if (!fs.existsSync(python)) throw new Error(`no Python with torch for --peer at ${python}: set one up with\n  ${PEER_SETUP}\nor point AT_ODDS_PEER_PYTHON at one`);
  if (!fs.existsSync(script)) throw new Error(`no peer script at ${script}: set AT_ODDS_PEER_SCRIPT`);
  return { script, python };
}

export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'madry' }, 'pgd-steps': { type: 'string' }, batches: { type: 'string' },
      repeats: { type: 'string' }, peer: { type: 'boolean', default: false },
    },
  });
  const model = values.model as MnistArchitecture;
  const [k, b, r] = [int('pgd-steps', values['pgd-steps'], 10), int('batches', values.batches, 6), int('repeats', values.repeats, 3)];
  const peer = values.peer ? peerCommand() : null;
  const mine = await ours(model, k, b, r);
  console.log(JSON.stringify(mine));
  if (!peer) return 0;
  // The peer reads the same four files; the cache holds them once ours has run.
  const dataDir = path.dirname(await fetchFile(MNIST_FILES.train.images));
  const p = spawnSync(peer.python, [peer.script, '--data', dataDir, '--model', model, '--pgd-steps', String(k), '--batches', String(b), '--repeats', String(r)], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`the PyTorch peer failed:\n${p.stderr}`);
  const theirs = JSON.parse(p.stdout.trim().split('\n').pop()!);
  console.log(JSON.stringify(theirs));
  const ratio = (key: 'std_train_img_s' | 'adv_train_img_s' | 'attack_img_s') => +(mine[key] / theirs[key]).toFixed(2);
  console.log(JSON.stringify({ ratio_vs_peer: { std_train: ratio('std_train_img_s'), adv_train: ratio('adv_train_img_s'), attack: ratio('attack_img_s') }, backend: mine.backend, peer: theirs.peer, model }));
  return 0;
}
