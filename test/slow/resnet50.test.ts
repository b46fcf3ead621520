// The slow check (`npm run test:slow`): a full-size ResNet-50 checkpoint written by PyTorch, read and run
// by at-odds, against PyTorch's own logits and input gradients. Needs a Python with torch (environment.md).
import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend/init';
import { readTorch, stateDict } from '../../lib/io/torch';
import { resnetFromTorch } from '../../lib/models/resnet';
import { crossEntropy } from '../../lib/attacks/pgd';
import { logits } from '../../lib/models/classifier';
import { ROOT } from '../helpers/cli';
import { maxRelativeError } from '../helpers/numeric';

const dir = process.env.AT_ODDS_RESNET50_FIXTURE ?? path.join(os.tmpdir(), 'at-odds-resnet50');

test('a full-size ResNet-50 loads in seconds and matches PyTorch to 1e-4', async (t) => {
  if (!fs.existsSync(path.join(dir, 'resnet-expected.json'))) {
    const python = process.env.AT_ODDS_PEER_PYTHON ?? path.join(ROOT, '.peer', 'bin', 'python');
    if (!fs.existsSync(python)) {
      t.fail(`no Python with torch at ${python}: see environment.md (the PyTorch peer), or set AT_ODDS_PEER_PYTHON`);
      return;
    }
    const r = spawnSync(python, [path.join(ROOT, 'test', 'fixtures', 'make_torch_fixtures.py'), '--full', dir], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
  }
  await initBackend({ quiet: true });
  const want = JSON.parse(fs.readFileSync(path.join(dir, 'resnet-expected.json'), 'utf8'));
  const started = Date.now();
  const net = resnetFromTorch(stateDict(readTorch(path.join(dir, 'resnet-zip.pt'))));
  const seconds = (Date.now() - started) / 1000;
  const mb = fs.statSync(path.join(dir, 'resnet-zip.pt')).size / 1e6;
  t.log(`loaded a ${mb.toFixed(0)} MB ResNet-50 checkpoint in ${seconds.toFixed(2)} s`);
  t.true(seconds < 10);
  t.deepEqual([net.blocks, net.width, net.classes], [[3, 4, 6, 3], 64, 1000]);
  const x = tf.tensor4d(want.x, [2, want.size, want.size, 3]);
  const y = tf.tensor1d(want.y, 'int32');
  const z = logits(net.model, x);
  const g = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(logits(net.model, xi as tf.Tensor4D), y)))(x);
  const [zErr, gErr] = [maxRelativeError(z.dataSync(), want.logits), maxRelativeError(g.dataSync(), want.grad)];
  t.log(`max relative error: logits ${zErr.toExponential(2)}, gradients ${gErr.toExponential(2)}`);
  t.true(zErr < 1e-4 && gErr < 1e-4);
  tf.dispose([x, y, z, g]);
  net.dispose();
});
