// Everything at-odds writes gets the mode that the user's umask gives a new file (0644 under 022), while
// staying atomic: a course copies outputs/handouts to a web server, a teaching assistant in the group reads them.
import test from 'ava';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeCsv } from '../lib/io/csv';
import { fetchFile, md5 } from '../lib/data/fetch';
import { saveModel } from '../lib/models/io';
import { saveCheckpoint } from '../lib/train/checkpoint';
import { findChromium, printToPdf } from '../lib/handouts/chromium';
import { JUPYTER_DIR, venvBin } from '../lib/paths';
import { tempDir } from './helpers/cli';

function tinyModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 2, inputShape: [3] }));
  return m;
}

/** Every file and folder below `dir` (itself included), with its permission bits. */
function modes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (p: string) => {
    out.set(path.relative(dir, p) || '.', fs.statSync(p).mode & 0o777);
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) walk(path.join(p, f));
  };
  walk(dir);
  return out;
}

/** Writes one of each kind of output under `mask` into a fresh folder, the way the commands write them. */
async function writeEverything(mask: number): Promise<string> {
  const dir = tempDir('modes');
  fs.chmodSync(dir, 0o777 & ~mask);
  const previous = process.umask(mask);
  try {
    // Executed notebooks and handouts: jupyter/run_notebook.py's atomic write (mkstemp makes 0600 files).
    const py = spawnSync(venvBin('python'), ['-c', [
      'import sys; sys.path.insert(0, sys.argv[1]); import run_notebook as r',
      'r.write_atomic(sys.argv[2] + "/handouts/ch.html", "<p>x</p>")',
      'r.write_atomic(sys.argv[2] + "/notebooks/ch.ipynb", "{}")',
    ].join('\n'), JUPYTER_DIR, dir], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(py.stderr);
    writeCsv(path.join(dir, 'ch', 'accuracy.csv'), [{ eps: 0, acc: 1 }]);
    await saveModel(tinyModel(), path.join(dir, 'models', 'tiny'), { float16: true });
    await saveCheckpoint(path.join(dir, 'run'), tinyModel(), { weights: [], extra: [] }, { epoch: 1, history: [] });
    const mirror = tempDir('modes-mirror');
    fs.mkdirSync(path.join(mirror, 'toy'));
    fs.writeFileSync(path.join(mirror, 'toy', 'toy.bin'), 'bytes');
    await fetchFile({ name: 'toy.bin', dataset: 'toy', md5: md5(Buffer.from('bytes')), urls: [] }, { cacheDir: path.join(dir, 'cache'), mirror });
    const chromium = findChromium();
    if (chromium) await printToPdf(chromium, path.join(dir, 'handouts', 'ch.html'), path.join(dir, 'handouts', 'ch.pdf'));
  } finally {
    process.umask(previous);
  }
  return dir;
}

for (const mask of [0o022, 0o027]) {
  test.serial(`every kind of output follows umask ${mask.toString(8).padStart(3, '0')}`, async (t) => {
    const dir = await writeEverything(mask);
    const got = modes(dir);
    const expected = ['handouts/ch.html', 'notebooks/ch.ipynb', 'ch/accuracy.csv', 'models/tiny/weights.bin', 'models/tiny/model.json',
      'run/checkpoint.json', 'run/checkpoints/epoch-0001/model.json', 'run/checkpoints/epoch-0001/state.json', 'cache/toy/toy.bin',
      ...(findChromium() ? ['handouts/ch.pdf'] : [])];
    for (const f of expected) t.true(got.has(f), `${f} was written`);
    const wanted = (f: string) => (fs.statSync(path.join(dir, f)).isDirectory() ? 0o777 : 0o666) & ~mask;
    const wrong = [...got].filter(([f, m]) => m !== wanted(f));
    t.deepEqual(wrong.map(([f, m]) => `${f} ${m.toString(8)}`), [], 'files and folders with another mode than the umask gives');
    t.false([...got.keys()].some((f) => /\.(part|tmp)$|partial/.test(f)), 'no temporary file left');
  });
}
