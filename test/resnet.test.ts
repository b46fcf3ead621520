// A torchvision-layout ResNet from a robustness-library checkpoint: logits and input gradients
// against the ones PyTorch computed (test/fixtures/make_torch_fixtures.py), for both file formats.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { readTorch, stateDict } from '../lib/io/torch';
import { resnetFromTorch } from '../lib/models/resnet';
import { crossEntropy } from '../lib/attacks/pgd';
import { logits } from '../lib/models/classifier';

const dir = path.join(__dirname, 'fixtures', 'torch');
const want = JSON.parse(fs.readFileSync(path.join(dir, 'resnet-expected.json'), 'utf8'));

test.before(async () => {
  await initBackend({ quiet: true });
});

function maxRelative(got: ArrayLike<number>, expected: number[]): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(got[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return err / scale;
}

for (const format of ['zip', 'legacy']) {
  test(`logits and input gradients match PyTorch's to 1e-4 (${format} format)`, (t) => {
    const net = resnetFromTorch(stateDict(readTorch(path.join(dir, `resnet-${format}.pt`))), format);
    t.deepEqual([net.blocks, net.width, net.classes], [want.blocks, want.width, want.classes]);
    const x = tf.tensor4d(want.x, [2, 32, 32, 3]);
    const y = tf.tensor1d(want.y, 'int32');
    const z = logits(net.model, x);
    const g = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(logits(net.model, xi as tf.Tensor4D), y)))(x);
    const [zErr, gErr] = [maxRelative(z.dataSync(), want.logits), maxRelative(g.dataSync(), want.grad)];
    t.log(`max relative error: logits ${zErr.toExponential(2)}, gradients ${gErr.toExponential(2)}`);
    t.true(zErr < 1e-4, `logits: ${zErr}`);
    t.true(gErr < 1e-4, `gradients: ${gErr}`);
    tf.dispose([x, y, z, g]);
    net.dispose();
  });
}

test('missing or misshapen weights are named', (t) => {
  const sd = stateDict(readTorch(path.join(dir, 'resnet-zip.pt')));
  const missing = new Map(sd);
  missing.delete('model.layer2.0.conv2.weight');
  t.throws(() => resnetFromTorch(missing, 'ck.pt'), { message: 'ck.pt: missing weight layer2.0.conv2.weight (is this a torchvision-style ResNet?)' });
  const misshapen = new Map(sd);
  const fc = sd.get('model.fc.bias')!;
  misshapen.set('model.fc.bias', { ...fc, shape: [fc.shape[0] + 1], data: new Float32Array(fc.shape[0] + 1) });
  t.throws(() => resnetFromTorch(misshapen, 'ck.pt'), { message: /ck\.pt: fc\.bias is \[10\], expected \[9\]/ });
});
