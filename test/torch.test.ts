// Reading torch.save files, both formats, against what PyTorch itself wrote (test/fixtures/make_torch_fixtures.py).
import test from 'ava';
import * as fs from 'fs';
import * as path from 'path';
import { readTorch, stateDict } from '../lib/io/torch';
import { unpickle } from '../lib/io/pickle';
import { tempDir } from './helpers/cli';
import { legacyFile, op, pickle, tensorDict } from './helpers/pickle';

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

test('hostile files are refused in bounded time and memory, each refusal naming the file', (t) => {
  const tmp = tempDir('hostile');
  const write = (name: string, bytes: Uint8Array) => { const p = path.join(tmp, name); fs.writeFileSync(p, bytes); return p; };
  // A well-formed one first: the builder writes what the reader reads.
  const ok = stateDict(readTorch(write('ok.pt', legacyFile(tensorDict(6, 0, [2, 3], [3, 1]), 6))), 'ok.pt');
  t.deepEqual([ok.get('w')!.shape, Array.from(ok.get('w')!.data)], [[2, 3], [0, 0, 0, 0, 0, 0]]);
  // 313 bytes that declare 2^31 - 1 elements, all on one stored float (stride 0): 8.4 GB before the check.
  const huge = write('huge.pt', legacyFile(tensorDict(1, 0, [2 ** 31 - 1], [0]), 1));
  t.true(fs.statSync(huge).size < 400);
  t.throws(() => stateDict(readTorch(huge), huge), { message: /huge\.pt: a tensor \[2147483647\] of 2147483647 elements over a storage of 1: not a saved weight/ });
  t.throws(() => stateDict(readTorch(write('negative.pt', legacyFile(tensorDict(6, 5, [2, 3], [-3, 1]), 6))), 'negative.pt'), { message: /negative\.pt: a tensor of size \[2,3\] with stride \[-3,1\]: sizes and strides must be as many, whole and >= 0/ });
  t.throws(() => stateDict(readTorch(write('rank.pt', legacyFile(tensorDict(6, 0, [2, 3], [1]), 6))), 'rank.pt'), { message: /rank\.pt: a tensor of size \[2,3\] with stride \[1\]/ });
  t.throws(() => stateDict(readTorch(write('beyond.pt', legacyFile(tensorDict(6, 4, [2, 3], [3, 1]), 6))), 'beyond.pt'), { message: /beyond\.pt: a tensor \[2,3\] reaches element 9 of a storage of 6/ });
  // MARK, 300,000 NONE, APPENDS: no stack overflow, a list of 300,000 nulls.
  const many = pickle(op.emptyList, op.mark, new Array(300_000).fill(op.none[0]), op.appends);
  const list = unpickle(Uint8Array.from(many), 0, { source: 'many.pkl', globals: {} }).value as unknown[];
  t.is(list.length, 300_000);
  // ...and the same tuple spread into a call is refused.
  const call = pickle(op.global('collections', 'OrderedDict'), op.mark, new Array(300_000).fill(op.none[0]), op.tuple, op.reduce);
  t.throws(() => unpickle(Uint8Array.from(call), 0, { source: 'call.pkl', globals: { 'collections.OrderedDict': () => new Map() } }), { message: /call\.pkl: a call with 300000 arguments \(at most 16\)/ });
  t.throws(() => unpickle(Uint8Array.from(pickle(op.emptyDict, op.mark, op.none, op.appends)), 0, { source: 'dict.pkl', globals: {} }), { message: /dict\.pkl: APPENDS to something that is not a list/ });
});
