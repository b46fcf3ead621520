// ImageNet data: Restricted ImageNet's classes, folder layouts, the centre crop, and MobileNet v1 on real photos.
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { createCanvas } from 'canvas';
import { initBackend } from '../lib/backend/init';
import { imagenetClasses, listImageFolder, RESTRICTED_IMAGENET, superclassOf } from '../lib/data/imagenet';
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
