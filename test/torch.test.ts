// Reading torch.save files, both formats, against what PyTorch itself wrote (test/fixtures/make_torch_fixtures.py).
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { readTorch, stateDict } from '../lib/io/torch';
import { unpickle } from '../lib/io/pickle';
import { tempDir } from './helpers/cli';

const dir = path.join(__dirname, 'fixtures', 'torch');
const expected: Record<string, { dtype: string; shape: number[]; values: number[] }> = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));

for (const format of ['zip', 'legacy']) {
  test(`the ${format} format gives PyTorch's tensors: dtypes, shapes, strides, offsets, shared storages`, (t) => {
    const checkpoint = readTorch(path.join(dir, `${format}.pt`)) as Map<string, unknown>;
    t.is(checkpoint.get('epoch'), 7);
    t.deepEqual((checkpoint.get('optimizer') as Map<string, unknown>).get('param_groups'), [new Map([['lr', 0.1]])]);
    const sd = stateDict(checkpoint, format);
    t.deepEqual([...sd.keys()].sort(), Object.keys(expected).sort(), 'module. prefixes are gone');
    for (const [name, want] of Object.entries(expected)) {
      const got = sd.get(name)!;
      t.is(got.dtype, want.dtype, name);
      t.deepEqual(got.shape, want.shape, name);
      // float32 holds every value of these dtypes exactly, except float64, which we do not have here.
      t.deepEqual(Array.from(got.data), want.values.map((v) => Math.fround(v)), name);
    }
  });
}

test('a pickle that would run code is refused, naming the class', (t) => {
  const bytes = fs.readFileSync(path.join(dir, 'runs-code.pkl'));
  t.throws(() => unpickle(bytes, 0, { source: 'runs-code.pkl', globals: {} }), { message: /runs-code\.pkl: unsupported pickle class posix\.system: at-odds reads state dicts/ });
});

test('bad files get clear errors', (t) => {
  const tmp = tempDir('torch');
  const write = (name: string, bytes: Uint8Array) => { const p = path.join(tmp, name); fs.writeFileSync(p, bytes); return p; };
  const legacy = fs.readFileSync(path.join(dir, 'legacy.pt'));
  const zip = fs.readFileSync(path.join(dir, 'zip.pt'));
  t.throws(() => readTorch(path.join(tmp, 'nope.pt')), { message: /no checkpoint at .*nope\.pt/ });
  t.throws(() => readTorch(write('cut-legacy.pt', legacy.subarray(0, legacy.length - 20))), { message: /cut-legacy\.pt: truncated: storage \d+ needs \d+ bytes/ });
  t.throws(() => readTorch(write('cut-zip.pt', zip.subarray(0, zip.length - 100))), { message: /cut-zip\.pt: truncated or not a zip archive/ });
  t.throws(() => readTorch(write('image.pt', Buffer.from('\x89PNG\r\n\x1a\n some image bytes', 'latin1'))), { message: /image\.pt: not a PyTorch checkpoint: neither a zip archive nor a pickle/ });
  t.throws(() => unpickle(Uint8Array.from([0x80, 2, 0x69, 0x2e]), 0, { source: 'inst.pkl', globals: {} }), { message: /inst\.pkl: unsupported pickle opcode 0x69 \(INST\)/ });
  t.throws(() => stateDict(new Map([['epoch', 3]]), 'ck.pt'), { message: 'ck.pt: the state dict holds no tensors' });
  t.throws(() => stateDict([1, 2], 'list.pt'), { message: 'list.pt: no state dict (a dict of tensors) inside' });
});
