// The epsilon explorer's payload (lib/plots/explorer.ts): what the page gets of the models and images.
import test from 'ava';
import * as zlib from 'zlib';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init';
import { batchTensors } from '../lib/data/dataset';
import { loadMnist } from '../lib/data/mnist';
import { fromFloat16Bits, toFloat16Bits } from '../lib/io/float16';
import { madryCnn } from '../lib/models/cnn';
import { explorerData } from '../lib/plots/explorer';
import { unshuffle } from '../lib/live/unpack';

test.before(async () => {
  await initBackend({ quiet: true });
});

test.serial('the epsilon explorer carries its models, images and starting state into the page', async (t) => {
  const digits = await loadMnist('sample');
  const { x, y } = batchTensors(digits, [0, 1, 2]);
  const model = madryCnn('small', 5);
  const held = tf.memory().numTensors;
  const data = await explorerData({ a: model, b: model }, x, y, { eps: 0.1, steps: 3 });
  t.is(tf.memory().numTensors, held, 'no tensor left behind');
  t.deepEqual([data.models.map((m) => m.name), data.images.shape, data.labels, data.initial], [['a', 'b'], [3, 28, 28, 1], Array.from(y.dataSync()), { norm: 'linf', eps: 0.1, steps: 3, target: null, selected: [0, 1, 2] }]);
  t.true(data.canDraw, 'MNIST digits can be drawn');
  // The images and weights survive the trip: bytes for pixels, float16 weights, packed.
  const pixels = new Uint8Array(zlib.gunzipSync(Buffer.from(data.images.pixels, 'base64')));
  t.deepEqual(Array.from(pixels.slice(0, 784)), Array.from(x.slice([0], [1]).dataSync(), (v) => Math.round(v * 255)));
  const weights = unshuffle(new Uint8Array(zlib.gunzipSync(Buffer.from(data.models[0].weights, 'base64'))), 2);
  const first = model.getWeights()[0].dataSync();
  t.is(fromFloat16Bits(weights[0] | (weights[1] << 8)), fromFloat16Bits(toFloat16Bits(first[0])));
  await t.throwsAsync(explorerData({ f: (z: tf.Tensor4D) => tf.zeros([z.shape[0], 10]) as tf.Tensor2D }, x, y, { eps: 0.1 }), { message: /'f' is a function; the page needs a tf.LayersModel/ });
  await t.throwsAsync(explorerData({ a: model }, x, tf.tensor1d([1, 2], 'int32'), { eps: 0.1 }), { message: /3 images but 2 labels/ });
  tf.dispose([x, y]);
  model.dispose();
});
