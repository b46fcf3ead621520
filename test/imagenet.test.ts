// ImageNet data: Restricted ImageNet's classes, folder layouts, the centre crop, and MobileNet v1 on real
// photos; the chapter's sections (lib/chapters/imagenet.ts): the photos, Figures 2, 3 and 4.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createCanvas } from 'canvas';
import { initBackend } from '../lib/backend/init';
import { imagenetClasses, listImageFolder, RESTRICTED_IMAGENET, SUPERCLASS_NAMES, superclassLabels, superclassOf } from '../lib/data/imagenet';
import { gradientsFigure, ImagenetChapter, interpolationFigures, largeEpsFigures, openImagenet, photosFigure } from '../lib/chapters/imagenet';
import { memoryAccount } from '../lib/memory';
import { centerCrop, imageDataset } from '../lib/data/images';
import { batchTensors, rangeBatches } from '../lib/data/dataset';
import { loadMobileNetV1 } from '../lib/models/mobilenet';
import { logits } from '../lib/models/classifier';
import { ROOT, tempDir } from './helpers/cli';

const EMBEDDED = path.join(ROOT, 'data', 'samples', 'imagenet');
const SHARED = path.resolve(ROOT, '..', 'shared', 'data', 'imagenet-samples', 'restricted');

test('Restricted ImageNet superclasses are the paper\'s class ranges', (t) => {
  t.deepEqual(RESTRICTED_IMAGENET.map((s) => s.name), ['dog', 'cat', 'frog', 'turtle', 'bird', 'primate', 'fish', 'crab', 'insect']);
  t.deepEqual([151, 268, 269, 281, 30, 37, 80, 100, 382, 397, 118, 319, 0, 999].map(superclassOf), [0, 0, -1, 1, 2, 3, 4, 4, 5, 6, 7, 8, -1, -1]);
  t.is(imagenetClasses().length, 1000);
  t.is(imagenetClasses()[151].name, 'Chihuahua');
  t.throws(() => superclassOf(1000), { message: 'an ImageNet class index is an integer in 0..999, got 1000' });
  t.throws(() => superclassOf(2.5), { message: /got 2\.5/ });
});

test('an ILSVRC-style tree and a flat folder are both read and labelled', (t) => {
  const tree = listImageFolder(EMBEDDED);
  t.is(tree.length, 9);
  t.deepEqual(tree.map((f) => superclassOf(f.imagenetIndex)).sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'one photo per superclass');
  const flat = tempDir('flat');
  for (const f of tree) fs.copyFileSync(f.file, path.join(flat, path.basename(f.file)));
  t.deepEqual(listImageFolder(flat).map((f) => f.imagenetIndex).sort(), tree.map((f) => f.imagenetIndex).sort());
  fs.writeFileSync(path.join(flat, 'holiday.jpg'), 'x');
  t.throws(() => listImageFolder(flat), { message: /holiday\.jpg: a flat image folder names each file after its wnid/ });
  const unknown = tempDir('unknown');
  fs.mkdirSync(path.join(unknown, 'n99999999'));
  fs.copyFileSync(tree[0].file, path.join(unknown, 'n99999999', 'a.jpg'));
  t.throws(() => listImageFolder(unknown), { message: /n99999999 is not an ImageNet class/ });
});

test('the centre crop resizes the shorter side to 256 and keeps the middle 224, for any size', async (t) => {
  const dir = tempDir('crop');
  // A 600 x 300 picture: red on the left third, green in the middle, blue on the right third.
  const canvas = createCanvas(600, 300);
  const ctx = canvas.getContext('2d');
  ['#ff0000', '#00ff00', '#0000ff'].forEach((c, i) => { ctx.fillStyle = c; ctx.fillRect(200 * i, 0, 200, 300); });
  fs.writeFileSync(path.join(dir, 'wide.png'), canvas.toBuffer('image/png'));
  // Resized to 512 x 256, the crop spans x = 144..368: green from 171 to 341, so red, green and blue all show.
  const rgb = await centerCrop(path.join(dir, 'wide.png'));
  t.is(rgb.length, 224 * 224 * 3);
  const at = (x: number, y: number) => Array.from(rgb.subarray(3 * (y * 224 + x), 3 * (y * 224 + x) + 3));
  t.deepEqual(at(5, 100), [255, 0, 0]);
  t.deepEqual(at(112, 100), [0, 255, 0]);
  t.deepEqual(at(218, 100), [0, 0, 255]);
  fs.writeFileSync(path.join(dir, 'broken.jpg'), 'not a jpeg');
  await t.throwsAsync(centerCrop(path.join(dir, 'broken.jpg')), { message: /broken\.jpg: not a JPEG or PNG image that can be decoded/ });
  await t.throwsAsync(centerCrop(path.join(dir, 'none.jpg')), { message: /no image at .*none\.jpg/ });
});

test('MobileNet v1 0.25 classifies real photographs about as well as published', async (t) => {
  await initBackend({ quiet: true });
  const net = loadMobileNetV1(path.join(ROOT, 'data', 'models', 'mobilenet_v1_0.25_224'));
  // The 203 Restricted ImageNet photos of ../shared when they are there (CI), else our 9.
  const dir = fs.existsSync(SHARED) ? SHARED : EMBEDDED;
  const ds = await imageDataset(listImageFolder(dir), 'imagenet');
  let [top1, top5] = [0, 0];
  for (const idx of rangeBatches(ds.n, 32)) {
    const { x, y } = batchTensors(ds, idx);
    const [top, labels] = tf.tidy(() => [tf.topk(logits(net.model, x), 5).indices.arraySync() as number[][], y.arraySync()]);
    top.forEach((row, i) => { top1 += Number(row[0] === labels[i]); top5 += Number(row.includes(labels[i])); });
    tf.dispose([x, y]);
  }
  t.log(`${dir}: ${ds.n} images, top-1 ${(100 * top1 / ds.n).toFixed(1)}%, top-5 ${(100 * top5 / ds.n).toFixed(1)}%`);
  // Published: about 50% top-1 on ImageNet's validation set; these photos are one per class.
  if (ds.n > 100) t.true(top1 / ds.n > 0.5 && top5 / ds.n > 0.8);
  else t.true(top5 / ds.n >= 7 / 9);
  net.dispose();
});

test('ImageNet labels map to Restricted ImageNet superclasses by name; a class outside all nine is an error', (t) => {
  t.deepEqual(SUPERCLASS_NAMES, RESTRICTED_IMAGENET.map((s) => s.name));
  t.deepEqual(superclassLabels(Uint16Array.from([151, 268, 281, 30, 80, 365, 389, 118, 319])), [0, 0, 1, 2, 4, 5, 6, 7, 8]);
  t.throws(() => superclassLabels([151, 999]), { message: 'ImageNet class 999 is in no Restricted ImageNet superclass' });
});

test.serial('the chapter opens on the embedded photos, labelled by superclass, with MobileNet and no robust model unless one is set', async (t) => {
  await initBackend({ quiet: true });
  const ch = await openImagenet({ images: 3, robustCheckpoint: '' });
  t.deepEqual(ch.x.shape, [3, 224, 224, 3]);
  t.deepEqual(Array.from(ch.y.dataSync()), listImageFolder(EMBEDDED).slice(0, 3).map((f) => superclassOf(f.imagenetIndex)));
  t.deepEqual(Object.keys(ch.models), ['standard']);
  t.is(ch.robust, null);
  t.regex(ch.markdown, /No robust checkpoint is set.*resnet50_l2_eps3\.ckpt/s);
  const photos = await photosFigure(ch);
  t.deepEqual([...photos.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
  t.is(memoryAccount({ models: ch.mobilenet, photos: [ch.x, ch.y] }).unaccounted, 0, 'the labels read from the folder are not kept');
  await t.throwsAsync(openImagenet({ images: 1, robustCheckpoint: '/nonexistent.pt' }), { message: /no checkpoint at \/nonexistent\.pt/ });
  tf.dispose([ch.x, ch.y]);
  ch.mobilenet.dispose();
});

/** Two small photos and two linear 9-class models: enough for Figures 2-4's functions to run in a second. */
function fakeChapter(): ImagenetChapter {
  const linear = (seed: number) => {
    const w = tf.randomNormal([8 * 8 * 3, 9], 0, 1, 'float32', seed);
    return { w, model: (x: tf.Tensor4D) => tf.matMul(x.reshape([x.shape[0], -1]), w) as tf.Tensor2D };
  };
  const [a, b] = [linear(1), linear(2)];
  return {
    x: tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D, y: tf.tensor1d([0, 8], 'int32'),
    models: { standard: a.model, robust: b.model }, mobilenet: { model: a.model, tensors: [a.w, b.w], dispose: () => tf.dispose([a.w, b.w]) }, robust: null, markdown: '',
  };
}

test.serial('Figures 2-4: one grid per model and budget, every target reached on a linear model, frames from the photo to its example, nothing leaked', async (t) => {
  await initBackend({ quiet: true });
  const ch = fakeChapter();
  const held = tf.memory().numTensors;
  const gradients = await gradientsFigure(ch);
  t.deepEqual([...gradients.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
  t.is(tf.memory().numTensors, held, 'Figure 2 keeps nothing');
  const large = await largeEpsFigures(ch, { l2: { eps: 40, steps: 40, stepSize: 1.5 }, linf: { eps: 1, steps: 20, stepSize: 0.1 } });
  t.is(tf.memory().numTensors, held + 5, 'the targets and four sets of examples');
  t.deepEqual(Array.from(large.targets.dataSync()), [1, 0], 'the next superclass');
  t.deepEqual(Object.keys(large.examples), ['standard l2', 'standard linf', 'robust l2', 'robust linf']);
  t.is(large.grids.length, 4);
  for (const [name, xAdv] of Object.entries(large.examples)) {
    t.deepEqual(xAdv.shape, ch.x.shape, name);
    const predicted = tf.tidy(() => Array.from(tf.argMax(logits(ch.models[name.split(' ')[0]], xAdv), 1).dataSync()));
    t.deepEqual(predicted, [1, 0], `${name}: the targets are reached`);
  }
  const frames = await interpolationFigures(ch, large, { threat: 'l2', image: 1, frames: 4 });
  t.is(frames.length, 2, 'one row of frames per model');
  t.is(tf.memory().numTensors, held + 5, 'Figure 4 keeps nothing');
  const l2Only = await largeEpsFigures(ch, { l2: { eps: 1, steps: 1, stepSize: 1 } });
  await t.throwsAsync(interpolationFigures(ch, l2Only, { threat: 'linf', image: 0, frames: 4 }), { message: /Figure 3 has no linf examples of the standard model/ });
  tf.dispose([ch.x, ch.y, large as unknown as tf.TensorContainer, l2Only as unknown as tf.TensorContainer]);
  ch.mobilenet.dispose();
});
