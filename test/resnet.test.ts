// A torchvision-layout ResNet from a robustness-library checkpoint: logits and input gradients
// against the ones PyTorch computed (test/fixtures/make_torch_fixtures.py), for both file formats.
import test from 'ava';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { initBackend } from '../lib/backend/init';
import { readTorch, stateDict } from '../lib/io/torch';
import { resnetFromTorch } from '../lib/models/resnet';
import { loadRobustResNet } from '../lib/models/published';
import { tempDir } from './helpers/cli';
import { againstPyTorch } from './helpers/numeric';

const dir = path.join(__dirname, 'fixtures', 'torch');
const want = JSON.parse(fs.readFileSync(path.join(dir, 'resnet-expected.json'), 'utf8'));

test.before(async () => {
  await initBackend({ quiet: true });
});

for (const format of ['zip', 'legacy']) {
  test(`logits and input gradients match PyTorch's to 1e-4 (${format} format)`, (t) => {
    const net = resnetFromTorch(stateDict(readTorch(path.join(dir, `resnet-${format}.pt`))), format);
    t.deepEqual([net.blocks, net.width, net.classes], [want.blocks, want.width, want.classes]);
    const { logits: zErr, grad: gErr } = againstPyTorch(net.model, want);
    t.log(`max relative error: logits ${zErr.toExponential(2)}, gradients ${gErr.toExponential(2)}`);
    t.true(zErr < 1e-4, `logits: ${zErr}`);
    t.true(gErr < 1e-4, `gradients: ${gErr}`);
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

test('a robust checkpoint by URL is downloaded once, with progress, into the cache, and loads; a download that is not one is removed', async (t) => {
  const body = fs.readFileSync(path.join(dir, 'resnet-zip.pt'));
  let requests = 0;
  const page = Buffer.from('<!DOCTYPE html><html><body>Sign in to download</body></html>');
  const server = http.createServer((req, res) => {
    requests++;
    const bytes = req.url?.endsWith('/login.ckpt') ? page : body;
    res.writeHead(200, { 'content-length': bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cache = tempDir('models');
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/files/robust.ckpt`;
    const seen: number[] = [];
    const net = await loadRobustResNet(url, (p) => seen.push(p.received), cache);
    t.is(net.classes, 9);
    t.is(seen[seen.length - 1], body.length);
    t.true(fs.existsSync(path.join(cache, 'models', 'robust.ckpt')));
    (await loadRobustResNet(url, undefined, cache)).dispose();
    t.is(requests, 1, 'the second load reads the cache');
    net.dispose();
    await t.throwsAsync(loadRobustResNet(path.join(cache, 'missing.ckpt')), { message: /no checkpoint at .*missing\.ckpt: give a path or a URL/ });
    // A server that answers with a page instead of the file: refused, removed, and fetched again next time.
    const login = url.replace('robust.ckpt', 'login.ckpt');
    await t.throwsAsync(loadRobustResNet(login, undefined, cache), { message: /login\.ckpt: not a PyTorch checkpoint[^]*is not a ResNet checkpoint; it was removed from the cache/ });
    t.false(fs.existsSync(path.join(cache, 'models', 'login.ckpt')));
    await t.throwsAsync(loadRobustResNet(login, undefined, cache));
    t.is(requests, 3, 'the bad download was fetched again');
  } finally {
    server.close();
  }
});
