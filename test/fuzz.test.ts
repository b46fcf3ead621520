// Every reader of a file, fed mutated bytes of real files (fixed seed, bounded time): each input ends
// in a value or in an Error that names the file; never a hang, a crash, or a RangeError from deep inside.
import test, { ExecutionContext } from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { initBackend } from '../lib/backend/init';
import { parseIdx } from '../lib/data/idx';
import { parseCifar10, CIFAR10_RECORD, CIFAR10_SAMPLE } from '../lib/data/cifar10';
import { MNIST_SAMPLE } from '../lib/data/mnist';
import { readTorch, stateDict } from '../lib/io/torch';
import { loadModel } from '../lib/models/io';
import { architecture } from '../lib/models/architectures';
import { loadCheckpoint } from '../lib/train/checkpoint';
import { train } from '../lib/train/loop';
import { loadMnist } from '../lib/data/mnist';
import { subset } from '../lib/data/dataset';
import { seededRng } from '../lib/random';
import { tempDir } from './helpers/cli';

/** One of: a few bytes changed, the file cut short, bytes inserted, a 32-bit field set to an extreme. */
function mutate(bytes: Uint8Array, pick: (n: number) => number): Uint8Array {
  const b = Buffer.from(bytes);
  switch (pick(4)) {
    case 0: {
      for (let k = 1 + pick(8); k > 0; k--) b[pick(b.length)] = pick(256);
      return b;
    }
    case 1: return b.subarray(0, pick(b.length));
    case 2: {
      const at = pick(b.length);
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + pick(16) }, () => pick(256))), b.subarray(at)]);
    }
    default: {
      if (b.length >= 4) b.writeUInt32LE([0xffffffff, 0x7fffffff, 0x80000000, 0][pick(4)], pick(b.length - 3));
      return b;
    }
  }
}

/**
 * Feeds `rounds` mutations of `original` to `read`, each written to a file of its own name; a read
 * either returns or throws an Error whose message names that file.
 */
async function fuzz(t: ExecutionContext, what: string, original: Uint8Array, rounds: number, read: (file: string, bytes: Uint8Array) => Promise<unknown> | unknown) {
  const dir = tempDir(`fuzz-${what}`);
  // A generator per reader, seeded by its name: the same mutations whatever order the tests run in.
  const rng = seededRng([...what].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7));
  const pick = (n: number) => Math.floor(rng.uniform() * n);
  let refused = 0;
  for (let i = 0; i < rounds; i++) {
    const bytes = mutate(original, pick);
    const file = path.join(dir, `${what}-${i}.bin`);
    fs.writeFileSync(file, bytes);
    try {
      await read(file, bytes);
    } catch (e) {
      refused++;
      if (!(e instanceof Error) || !e.message.includes(path.basename(file, '.bin'))) {
        t.fail(`${what} mutation ${i}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        return;
      }
    }
  }
  t.log(`${what}: ${rounds} mutations, ${refused} refused with the file named, ${rounds - refused} read`);
  t.pass();
}

test.before(async () => {
  await initBackend({ quiet: true });
});

test('IDX (gzipped and raw)', async (t) => {
  const gz = fs.readFileSync(MNIST_SAMPLE.labels);
  await fuzz(t, 'idx-gz', gz, 300, (file, b) => parseIdx(b, file));
  await fuzz(t, 'idx', zlib.gunzipSync(gz), 300, (file, b) => parseIdx(b, file));
});

test('CIFAR-10 records', async (t) => {
  const records = fs.readFileSync(CIFAR10_SAMPLE.file).subarray(0, 3 * CIFAR10_RECORD);
  await fuzz(t, 'cifar', records, 300, (file, b) => parseCifar10(b, file));
});

for (const format of ['zip', 'legacy']) {
  test(`torch.save, ${format} format`, async (t) => {
    const original = fs.readFileSync(path.join(__dirname, 'fixtures', 'torch', `${format}.pt`));
    await fuzz(t, `torch-${format}`, original, 1000, (file) => {
      for (const v of stateDict(readTorch(file), file).values()) void v.data;
    });
  });
}

test('a model directory (model.json and weights.bin) and a checkpoint', async (t) => {
  const model = path.join('data', 'models', 'mnist', 'small-standard');
  const load = (name: string, dir: string) => async (file: string) => {
    // The mutated file takes its place in a copy of the directory, under its own name.
    const copy = path.join(path.dirname(file), path.basename(file, '.bin'));
    fs.cpSync(dir, copy, { recursive: true });
    fs.copyFileSync(file, path.join(copy, name));
    (await loadModel(copy)).dispose();
  };
  await fuzz(t, 'model-json', fs.readFileSync(path.join(model, 'model.json')), 100, load('model.json', model));
  await fuzz(t, 'weights', fs.readFileSync(path.join(model, 'weights.bin')), 50, load('weights.bin', model));
  // A checkpoint of a tiny run: each of its files in turn.
  const run = path.join(tempDir('fuzz-run'), 'run');
  const net = architecture('small').build(0);
  await train(net, subset(await loadMnist('sample'), 0, 50), { epochs: 1, batchSize: 50, optimizer: { name: 'adam', lr: 1e-3 }, out: run });
  net.dispose();
  const latest = path.join(run, 'checkpoints', 'epoch-0001');
  for (const name of ['state.json', 'optimizer.json', 'optimizer.bin']) {
    await fuzz(t, `checkpoint-${name}`, fs.readFileSync(path.join(latest, name)), 60, async (file) => {
      const copy = path.join(path.dirname(file), path.basename(file, '.bin'));
      fs.cpSync(run, copy, { recursive: true });
      fs.copyFileSync(file, path.join(copy, 'checkpoints', 'epoch-0001', name));
      const { model, optimizer } = await loadCheckpoint(copy);
      model.dispose();
      optimizer.weights.forEach((w) => w.tensor.dispose());
    });
  }
});
