// tfjs-node: TensorFlow's C library behind TensorFlow.js, our fastest CPU backend.
//
// Its install script downloads libtensorflow 2.9.1. Where that download is impossible, the same
// binding compiles unchanged against the C library inside the tensorflow-cpu wheel from pip.
import * as fs from 'fs';
import * as path from 'path';
import { CACHE, ROOT, venvBin } from '../paths';
import { pipEnv } from './jupyter';
import { gypEnv, log, nodeCan, run, SetupError } from './shell';

const TF_WHEEL = 'tensorflow-cpu==2.21.0';
const CAN_LOAD = "require('@tensorflow/tfjs-node')";

const EXTRACT = `
import os, shutil, sys, zipfile
wheel, deps = sys.argv[1:]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
headers = tuple('tensorflow/include/%s/' % d for d in ('tensorflow', 'tsl', 'xla'))
found = set()
with zipfile.ZipFile(wheel) as z:
    for m in z.infolist():
        name = m.filename
        if name in libs:
            target = os.path.join(deps, 'lib', os.path.basename(name)); found.add(name)
        elif name.startswith(headers) and not name.endswith('/'):
            target = os.path.join(deps, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(m) as src, open(target + '.part', 'wb') as out:
            shutil.copyfileobj(src, out)
        os.replace(target + '.part', target)
missing = libs - found
if missing:
    sys.exit('%s has no %s' % (wheel, ', '.join(sorted(missing))))
`;

function packageDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-node/package.json', { paths: [ROOT] }));
}

function findWheel(): string {
  const given = process.env.AT_ODDS_TF_WHEEL;
  if (given) {
    if (!fs.existsSync(given)) throw new SetupError('tfjs-node', `AT_ODDS_TF_WHEEL=${given} does not exist`, 'point it at a tensorflow or tensorflow-cpu wheel for Linux x86_64');
    return given;
  }
  const dir = path.join(CACHE, 'wheels');
  const cached = () => fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => /^tensorflow(_cpu)?-.*\.whl$/.test(f)) : undefined;
  if (!cached()) {
    log(`tfjs-node: pip download ${TF_WHEEL} (about 270 MB)`);
    const r = run(venvBin('pip'), ['download', '--no-deps', '-d', dir, TF_WHEEL], { env: pipEnv() });
    if (!r.ok || !cached()) {
      throw new SetupError('tfjs-node', `pip could not download ${TF_WHEEL}:\n${r.output}`,
        'give a local wheel with AT_ODDS_TF_WHEEL=/path/to/tensorflow_cpu-*.whl, or use AT_ODDS_BACKEND=wasm');
    }
  }
  return path.join(dir, cached()!);
}

function buildFromWheel(): void {
  const pkg = packageDir();
  const deps = path.join(pkg, 'deps');
  const wheel = findWheel();
  log(`tfjs-node: extracting the TensorFlow C library from ${path.basename(wheel)}`);
  fs.rmSync(deps, { recursive: true, force: true });
  const x = run(venvBin('python'), ['-c', EXTRACT, wheel, deps]);
  if (!x.ok) throw new SetupError('tfjs-node', `could not extract the wheel:\n${x.output}`, `delete ${wheel} and run \`npm run setup\` again`);
  // The binding links -ltensorflow -ltensorflow_framework; at run time it finds the libraries by
  // their sonames. libtensorflow.so.2.9.1 is the file whose presence tells tfjs-node's own
  // install script that the library is already there.
  const lib = path.join(deps, 'lib');
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(lib, 'libtensorflow.so'));
  fs.symlinkSync('libtensorflow_framework.so.2', path.join(lib, 'libtensorflow_framework.so'));
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(lib, 'libtensorflow.so.2.9.1'));
  log('tfjs-node: compiling the binding (about 1 minute)');
  const preGyp = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [pkg] });
  const b = run(process.execPath, [preGyp, 'rebuild', '--build-from-source'], { cwd: pkg, env: gypEnv() });
  if (!b.ok) throw new SetupError('tfjs-node', `the binding did not compile:\n${b.output}`, 'install a C++ toolchain (Debian: apt-get install build-essential python3)');
}

export function setupTfjsNode(): void {
  if (nodeCan(CAN_LOAD, ROOT)) {
    log('tfjs-node: ready');
    return;
  }
  if (!process.env.AT_ODDS_TF_WHEEL) {
    log('tfjs-node: running its own install (downloads libtensorflow 2.9.1)');
    const r = run('npm', ['rebuild', '@tensorflow/tfjs-node', '--ignore-scripts=false'], { cwd: ROOT, env: gypEnv(), timeoutMs: 10 * 60_000 });
    if (r.ok && nodeCan(CAN_LOAD, ROOT)) return;
    log('tfjs-node: that download failed (offline?): building against the wheel instead');
  }
  buildFromWheel();
  if (!nodeCan(CAN_LOAD, ROOT)) {
    throw new SetupError('tfjs-node', 'the binding built but does not load', 'run `node -e "require(\'@tensorflow/tfjs-node\')"` to see why; AT_ODDS_BACKEND=wasm works meanwhile');
  }
}
