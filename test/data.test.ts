// MNIST files: the IDX parser's checks, the embedded sample, and fetching from a mirror or over HTTP.
import test from 'ava';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as zlib from 'zlib';
import { encodeIdx, parseIdx } from '../lib/data/idx';
import { loadMnist, mnistFromIdx } from '../lib/data/mnist';
import { fetchFile, md5, RemoteFile } from '../lib/data/fetch';
import { tempDir } from './helpers/cli';

const images = (n: number) => encodeIdx([n, 28, 28], new Uint8Array(n * 784).map((_, i) => i % 256));
const labels = (n: number) => encodeIdx([n], new Uint8Array(n).map((_, i) => i % 10));

test('the IDX parser reads what encodeIdx writes, gzipped or not', (t) => {
  const raw = images(3);
  for (const bytes of [raw, zlib.gzipSync(raw)]) {
    const idx = parseIdx(bytes, 'x.idx');
    t.deepEqual(idx.shape, [3, 28, 28]);
    t.is(idx.data[785], 785 % 256);
  }
});

test('the IDX parser names the file and the fault', (t) => {
  const good = images(2);
  t.throws(() => parseIdx(good.subarray(0, good.length - 10), 'cut.idx'), { message: 'cut.idx: truncated: the header says [2, 28, 28] = 1568 bytes of data, the file has 1558' });
  t.throws(() => parseIdx(good.subarray(0, 6), 'tiny.idx'), { message: /tiny\.idx: truncated: 6 bytes is too short for a rank-3 IDX header/ });
  const magic = Buffer.from(good);
  magic[0] = 0x50;
  t.throws(() => parseIdx(magic, 'photo.png'), { message: /photo\.png: not an IDX file: wrong magic number 0x50000803/ });
  const float = Buffer.from(good);
  float[2] = 0x0d;
  t.throws(() => parseIdx(float, 'f.idx'), { message: /f\.idx: IDX element type 0xd is not unsigned byte/ });
  t.throws(() => parseIdx(Buffer.concat([good, Buffer.alloc(5)]), 'long.idx'), { message: /long\.idx: 5 bytes after the \[2, 28, 28\] data/ });
  const gz = zlib.gzipSync(good);
  t.throws(() => parseIdx(gz.subarray(0, gz.length - 20), 'broken.gz'), { message: /broken\.gz: bad gzip data/ });
});

test('MNIST pairs are checked against each other and against the expected count', (t) => {
  t.throws(() => mnistFromIdx(images(5), labels(4), ['i.gz', 'l.gz']), { message: 'i.gz has 5 images but l.gz has 4 labels' });
  t.throws(() => mnistFromIdx(images(5), labels(5), ['i.gz', 'l.gz'], 10_000), { message: 'i.gz: expected 10000 images, found 5' });
  t.throws(() => mnistFromIdx(labels(5), labels(5), ['l1.gz', 'l.gz']), { message: /l1\.gz: MNIST images are \[n, 28, 28\], this file holds \[5\]/ });
  t.throws(() => mnistFromIdx(images(2), encodeIdx([2], Uint8Array.from([3, 12])), ['i.gz', 'l.gz']), { message: 'l.gz: label 12 at index 1 is not a digit' });
});

test('the embedded sample is the first 2,000 test digits', async (t) => {
  const sample = await loadMnist('sample');
  t.is(sample.n, 2000);
  // The first test digits of MNIST are 7, 2, 1, 0, 4, 1, 4, 9, 5, 9.
  t.deepEqual(Array.from(sample.labels.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  const counts = new Array(10).fill(0);
  sample.labels.forEach((l) => counts[l]++);
  t.true(counts.every((c) => c > 150), `every digit is there: ${counts}`);
  t.is((await loadMnist('sample', { limit: 100 })).n, 100);
  await t.throwsAsync(loadMnist('validation' as 'test'), { message: "MNIST split must be train, test or sample, got 'validation'" });
});

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function remote(name: string, body: Buffer, urls: string[]): RemoteFile {
  return { name, dataset: 'fake', md5: md5(body), urls };
}

test('fetching: from a mirror, with a bad checksum, and offline', async (t) => {
  const mirror = tempDir('mirror');
  const cacheDir = tempDir('cache');
  const body = zlib.gzipSync(labels(50));
  fs.mkdirSync(path.join(mirror, 'fake'));
  fs.writeFileSync(path.join(mirror, 'fake', 'l.gz'), body);
  const file = remote('l.gz', body, [`http://127.0.0.1:${await closedPort()}/l.gz`]);
  const got = await fetchFile(file, { cacheDir, mirror });
  t.deepEqual(fs.readFileSync(got), body);
  fs.writeFileSync(path.join(mirror, 'fake', 'bad.gz'), Buffer.from('not the file'));
  await t.throwsAsync(fetchFile({ ...file, name: 'bad.gz' }, { cacheDir, mirror }), { message: /bad\.gz from .*bad\.gz: bad checksum: md5 [0-9a-f]{32}, expected [0-9a-f]{32}/ });
  // A closed port on loopback refuses at once, as an unreachable mirror does on a machine offline.
  await t.throwsAsync(fetchFile({ ...file, name: 'missing.gz' }, { cacheDir, mirror: '' }),
    { message: /could not download missing\.gz:\n {2}http:\/\/127\.0\.0\.1:\d+\/l\.gz: ECONNREFUSED\nOffline\? Put the file in .*fake, or point AT_ODDS_DATA_MIRROR at a folder with fake\/missing\.gz/ });
});

test('fetching over HTTP reports progress, checks the md5, writes atomically and repairs a bad cached copy', async (t) => {
  const body = zlib.gzipSync(images(40));
  const server = http.createServer((req, res) => {
    if (req.url === '/good.gz') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const cacheDir = tempDir('http');
    const file = remote('good.gz', body, [`http://127.0.0.1:${port}/nothing.gz`, `http://127.0.0.1:${port}/good.gz`]);
    const seen: number[] = [];
    const got = await fetchFile(file, { cacheDir, mirror: '', onProgress: (p) => seen.push(p.received) });
    t.deepEqual(fs.readFileSync(got), body);
    t.is(seen[seen.length - 1], body.length);
    t.deepEqual(fs.readdirSync(path.dirname(got)), ['good.gz'], 'no partial file left');
    fs.writeFileSync(got, 'corrupted');
    await fetchFile(file, { cacheDir, mirror: '' });
    t.deepEqual(fs.readFileSync(got), body, 'a corrupt cached file is fetched again');
  } finally {
    server.close();
  }
});
