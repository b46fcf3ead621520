// Errors a student can act on: a damaged or missing file of a run or a model is named, with what to do.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../lib/backend/init';
import { loadMnist } from '../lib/data/mnist';
import { subset } from '../lib/data/dataset';
import { architecture } from '../lib/models/architectures';
import { loadModel } from '../lib/models/io';
import { loadCheckpoint } from '../lib/train/checkpoint';
import { train } from '../lib/train/loop';
import { tempDir } from './helpers/cli';

let run = '';

test.before(async () => {
  await initBackend({ quiet: true });
  run = path.join(tempDir('damaged'), 'run');
  const model = architecture('small').build(0);
  await train(model, subset(await loadMnist('sample'), 0, 100), { epochs: 1, batchSize: 50, optimizer: { name: 'adam', lr: 1e-3 }, out: run });
  model.dispose();
});

/** A copy of the run with one file changed by `damage`. */
function damaged(damage: (checkpoint: string) => void): string {
  const copy = tempDir('copy');
  fs.cpSync(run, copy, { recursive: true });
  damage(path.join(copy, 'checkpoints', 'epoch-0001'));
  return copy;
}

test('a damaged or missing file of a checkpoint is named, with what to do', async (t) => {
  const cases: [string, (c: string) => void, RegExp][] = [
    ['state.json cut short', (c) => fs.writeFileSync(path.join(c, 'state.json'), '{"epoch": 1, "hist'), /state\.json is damaged \(.*JSON.*\): the checkpoint of .* is damaged and cannot be resumed: delete the folder and train again/],
    ['optimizer.json emptied', (c) => fs.writeFileSync(path.join(c, 'optimizer.json'), ''), /optimizer\.json is damaged/],
    ['optimizer.bin cut short', (c) => fs.truncateSync(path.join(c, 'optimizer.bin'), 100), /optimizer\.bin holds 100 bytes, optimizer\.json describes \d+ float32 values/],
    ['optimizer.bin gone', (c) => fs.rmSync(path.join(c, 'optimizer.bin')), /optimizer\.bin is missing/],
    ['checkpoint.json cut short', (c) => fs.writeFileSync(path.join(c, '..', '..', 'checkpoint.json'), '{"lat'), /checkpoint\.json is damaged/],
  ];
  for (const [what, damage, message] of cases) {
    await t.throwsAsync(loadCheckpoint(damaged(damage)), { message }, what);
  }
});

test('a model.json whose weight shapes changed names the file', async (t) => {
  const dir = damaged((c) => {
    const file = path.join(c, 'model.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"filters":16', '"filters":8'));
  });
  await t.throwsAsync(loadModel(path.join(dir, 'checkpoints', 'epoch-0001')), { message: /epoch-0001\/model\.json: the network it describes does not load/ });
});

test('resuming a run with another network says so, naming the run', async (t) => {
  const other = architecture('madry').build(0);
  const copy = damaged(() => undefined);
  await t.throwsAsync(train(other, subset(await loadMnist('sample'), 0, 100), { epochs: 2, batchSize: 50, optimizer: { name: 'adam', lr: 1e-3 }, out: copy, resume: true }),
    { message: new RegExp(`${copy}: its checkpoint is of another network than the one to train`) });
  other.dispose();
});
