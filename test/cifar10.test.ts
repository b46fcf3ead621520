// CIFAR-10 data: the binary records, the archive, the offline mirror, every fault; augmentation.
import test from 'ava';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as zlib from 'zlib';
import { CIFAR10_ARCHIVE, CIFAR10_CLASSES, CIFAR10_RECORD, extractCifar10, loadCifar10, parseCifar10, parseCifar10Meta } from '../lib/data/cifar10';
import { Augmentation, placeImage, placements } from '../lib/data/augment';
import { batchTensors } from '../lib/data/dataset';
import { fetchFile } from '../lib/data/fetch';
import { initBackend } from '../lib/backend/init';
import { tempDir } from './helpers/cli';

test.before(async () => {
  await initBackend({ quiet: true });
});

const MIRROR = path.resolve(__dirname, '..', '..', 'shared', 'data');

/** n records: label i % 10, red plane all 10 + i, green 100 + pixel % 50, blue = pixel index % 256. */
function records(n: number): Buffer {
  const b = Buffer.alloc(n * CIFAR10_RECORD);
  for (let i = 0; i < n; i++) {
    const r = i * CIFAR10_RECORD;
    b[r] = i % 10;
    for (let p = 0; p < 1024; p++) {
      b[r + 1 + p] = 10 + i;
      b[r + 1 + 1024 + p] = 100 + (p % 50);
      b[r + 1 + 2048 + p] = p % 256;
    }
  }
  return b;
}

test('a record is one label byte and three colour planes, read into [n, 32, 32, 3]', (t) => {
  const ds = parseCifar10(records(3), 'three.bin');
  t.is(ds.n, 3);
  t.deepEqual([ds.height, ds.width, ds.channels, ds.classes], [32, 32, 3, 10]);
  t.deepEqual(Array.from(ds.labels), [0, 1, 2]);
  // Image 2, row 1, column 3 (pixel 35): R, G, B from the three planes.
  const at = (2 * 1024 + 35) * 3;
  t.deepEqual(Array.from(ds.images.subarray(at, at + 3)), [12, 100 + 35, 35]);
});

test('faults: a truncated or misaligned file, a label outside 0-9, an empty file, bad class names', (t) => {
  t.throws(() => parseCifar10(records(2).subarray(0, 2 * CIFAR10_RECORD - 5), 'short.bin'),
    { message: /short\.bin: 6141 bytes is not a whole number of 3073-byte CIFAR-10 records \(1 records and 3068 bytes left over\)/ });
  const bad = records(4);
  bad[3 * CIFAR10_RECORD] = 10;
  t.throws(() => parseCifar10(bad, 'label.bin'), { message: /label\.bin: record 3 has label 10, outside 0-9/ });
  // One byte in front shifts every record: the first label becomes a pixel of the previous record.
  const shifted = Buffer.concat([Buffer.from([200]), records(2).subarray(0, 2 * CIFAR10_RECORD - 1)]);
  t.throws(() => parseCifar10(shifted, 'shifted.bin'), { message: /shifted\.bin: record 0 has label 200/ });
  t.throws(() => parseCifar10(new Uint8Array(0), 'empty.bin'), { message: /empty\.bin: empty file/ });
  t.throws(() => parseCifar10Meta('cat\ndog\n', 'meta.txt'), { message: /meta\.txt: expected the 10 CIFAR-10 class names, one a line, found 2/ });
});

test('the offline mirror: 50,000 training images, its 1,017 test images, class names from batches.meta.txt; the embedded sample is their start', async (t) => {
  const cacheDir = tempDir('cifar-cache');
  const [trainSet, testSet, sample] = [await loadCifar10('train', { mirror: MIRROR, cacheDir }), await loadCifar10('test', { mirror: MIRROR, cacheDir }), await loadCifar10('sample')];
  t.is(trainSet.n, 50_000);
  t.is(testSet.n, 1_017, 'the mirror holds the first 1,017 test records');
  t.deepEqual(testSet.classNames, CIFAR10_CLASSES);
  t.is(sample.n, 500);
  t.deepEqual(Buffer.from(sample.images), Buffer.from(testSet.images.subarray(0, sample.images.length)));
  t.deepEqual(Array.from(sample.labels), Array.from(testSet.labels.subarray(0, 500)));
  const counts = Array.from({ length: 10 }, (_, c) => trainSet.labels.filter((l) => l === c).length);
  t.deepEqual(counts, Array(10).fill(5000), 'the training set is balanced');
  t.is((await loadCifar10('test', { mirror: MIRROR, cacheDir, limit: 10 })).n, 10);
  await t.throwsAsync(loadCifar10('valid' as 'test'), { message: /CIFAR-10 split must be train, test or sample, got 'valid'/ });
});

/** A tar.gz holding `members` under cifar-10-batches-bin/. */
async function archive(members: Record<string, Buffer>): Promise<Buffer> {
  const tar = require('tar-stream') as typeof import('tar-stream');
  const pack = tar.pack();
  for (const [name, body] of Object.entries(members)) pack.entry({ name: `cifar-10-batches-bin/${name}` }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return zlib.gzipSync(Buffer.concat(chunks));
}

test('the official archive: members extracted with tar-stream; a missing member, a damaged archive and a bad checksum are errors', async (t) => {
  const meta = Buffer.from(`${CIFAR10_CLASSES.join('\n')}\n`);
  const members: Record<string, Buffer> = { 'batches.meta.txt': meta, 'test_batch.bin': records(7) };
  for (let i = 1; i <= 5; i++) members[`data_batch_${i}.bin`] = records(2);
  const dir = tempDir('cifar-archive');
  const good = path.join(dir, 'good.tar.gz');
  fs.writeFileSync(good, await archive(members));
  const out = path.join(dir, 'out');
  await extractCifar10(good, out);
  t.deepEqual(fs.readdirSync(out).sort(), Object.keys(members).sort());
  t.is(parseCifar10(fs.readFileSync(path.join(out, 'test_batch.bin')), 'test').n, 7);

  const { 'data_batch_3.bin': _, ...missing } = members;
  fs.writeFileSync(path.join(dir, 'missing.tar.gz'), await archive(missing));
  await t.throwsAsync(extractCifar10(path.join(dir, 'missing.tar.gz'), path.join(dir, 'out2')), { message: /missing\.tar\.gz: the archive has no cifar-10-batches-bin\/data_batch_3\.bin/ });
  const whole = await archive(members);
  fs.writeFileSync(path.join(dir, 'damaged.tar.gz'), whole.subarray(0, whole.length >> 1));
  await t.throwsAsync(extractCifar10(path.join(dir, 'damaged.tar.gz'), path.join(dir, 'out3')), { message: /damaged\.tar\.gz: not a readable tar\.gz archive/ });

  // A server that answers with something else than the archive: its md5 is checked before anything is kept.
  const server = http.createServer((_req, res) => res.end('<html>not the archive</html>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const cacheDir = tempDir('cifar-http');
    await t.throwsAsync(fetchFile({ ...CIFAR10_ARCHIVE, urls: [`http://127.0.0.1:${port}/cifar-10-binary.tar.gz`] }, { cacheDir, mirror: '' }),
      { message: /cifar-10-binary\.tar\.gz from http:\/\/127\.0\.0\.1:\d+\/cifar-10-binary\.tar\.gz: bad checksum: md5 [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/ });
    t.false(fs.existsSync(path.join(cacheDir, 'cifar10', 'cifar-10-binary.tar.gz')), 'nothing bad is cached');
  } finally {
    server.close();
  }
});

/** The image padded by `pad` zeros, then cut at (dy, dx), then mirrored: the definition, written plainly. */
function reference(src: Uint8Array, h: number, w: number, c: number, pad: number, dy: number, dx: number, flip: boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xx = flip ? w - 1 - x : x;
      const [py, px] = [y + dy - pad, xx + dx - pad];
      for (let k = 0; k < c; k++) out.push(py < 0 || py >= h || px < 0 || px >= w ? 0 : src[(py * w + px) * c + k] / 255);
    }
  }
  return out;
}

test('augmentation: crops stay inside the padded image and equal its window, flips are mirror images, one seed gives one batch', async (t) => {
  const sample = await loadCifar10('sample', { limit: 64 });
  const aug: Augmentation = { pad: 4, flip: true };
  const where = placements(64, aug, 7);
  t.true(where.every((p) => p.dy >= 0 && p.dy <= 8 && p.dx >= 0 && p.dx <= 8), 'offsets within the 40x40 padded image');
  t.true(new Set(where.map((p) => `${p.dy},${p.dx}`)).size > 20, 'offsets vary from image to image');
  const flips = where.filter((p) => p.flip).length;
  t.true(flips > 16 && flips < 48, `${flips} of 64 flipped`);
  const size = 32 * 32 * 3;
  for (const i of [0, 5, 17]) {
    const dst = new Float32Array(size);
    placeImage(sample.images.subarray(i * size, (i + 1) * size), dst, 32, 32, 3, 4, where[i]);
    t.deepEqual(Array.from(dst), reference(sample.images.subarray(i * size, (i + 1) * size), 32, 32, 3, 4, where[i].dy, where[i].dx, where[i].flip).map(Math.fround));
  }
  // A flip alone is the mirror image.
  const img = sample.images.subarray(0, size);
  const mirrored = new Float32Array(size);
  placeImage(img, mirrored, 32, 32, 3, 0, { dy: 0, dx: 0, flip: true });
  t.is(mirrored[(5 * 32 + 0) * 3 + 1], Math.fround(img[(5 * 32 + 31) * 3 + 1] / 255));

  const idx = Array.from({ length: 64 }, (_, i) => i);
  const a = batchTensors(sample, idx, { augmentation: aug, seed: 3 });
  const b = batchTensors(sample, idx, { augmentation: aug, seed: 3 });
  const c = batchTensors(sample, idx, { augmentation: aug, seed: 4 });
  t.deepEqual(a.x.dataSync(), b.x.dataSync());
  t.notDeepEqual(a.x.dataSync(), c.x.dataSync());
  t.deepEqual(a.y.dataSync(), c.y.dataSync(), 'labels are not moved');
  const perBatch = placements(64, { ...aug, cropPerBatch: true }, 1);
  t.is(new Set(perBatch.map((p) => `${p.dy},${p.dx}`)).size, 1, 'cropPerBatch: one offset for all');
  t.throws(() => placements(4, { pad: -1, flip: false }, 0), { message: /augmentation pad must be an integer >= 0, got -1/ });
  for (const r of [a, b, c]) { r.x.dispose(); r.y.dispose(); }
});
