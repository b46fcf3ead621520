// `npm run eval -- --dataset D --ship`: the evaluation each shipped model carries (data/models/<dataset>/<name>/evaluation.json),
// measured on the test split and resumable: each point is checkpointed under outputs/evaluations/ as it finishes.
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { describeBackend, initBackend } from '../backend/init';
import { datasetSpec, loadDataset } from '../data/datasets';
import { OUTPUTS, ROOT } from '../paths';
import { downloadProgress, terminalProgress } from '../progress';
import { EvalSettings, measureEvaluation } from '../zoo/evaluation';
import { recipesOf } from '../zoo/recipes';
import { loadShipped, unshipped } from '../zoo/zoo';
import { count, int } from './args';

export const SHIP_USAGE = `usage: at-odds eval --dataset D --ship [--models A,B] [--n N] [--clean-n N] [--steps K] [--seed S] [--batch-size B]
  measures each shipped model of D: clean accuracy on the first --clean-n test images (default all), and
  PGD-K (default 20, step 2.5 eps / K, a random start; the batch at image s seeded seed + s) at every
  eps of the data set's grids, both norms, on the first --n (default all); writes evaluation.json beside
  the model. Resumes from outputs/evaluations/<dataset>/<model>.partial.json.`;

function git(args: string[]): string {
  return execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();
}

export async function evalShipCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' }, ship: { type: 'boolean' }, models: { type: 'string' }, n: { type: 'string' }, 'clean-n': { type: 'string' },
      steps: { type: 'string' }, seed: { type: 'string' }, 'batch-size': { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(SHIP_USAGE);
    return 0;
  }
  if (!values.dataset) throw new Error(`--ship needs --dataset\n${SHIP_USAGE}`);
  const spec = datasetSpec(values.dataset);
  const shipped = recipesOf(spec.name).map((r) => r.name).filter((m) => !unshipped(spec.name).includes(m));
  const models = values.models ? values.models.split(',') : shipped;
  const bad = models.filter((m) => !shipped.includes(m));
  if (bad.length) throw new Error(`not shipped models of ${spec.name}: ${bad.join(', ')} (shipped: ${shipped.join(', ')})`);
  const settings: EvalSettings = {
    split: 'test', steps: count('steps', values.steps, 20), stepScale: 2.5, randomStart: true, restarts: 1,
    seed: int('seed', values.seed, 0), batchSize: count('batch-size', values['batch-size'], 200),
  };
  const choice = await initBackend({ quiet: true });
  const data = await loadDataset(spec, 'test', { onProgress: downloadProgress() });
  const cleanN = count('clean-n', values['clean-n'], data.n);
  const n = count('n', values.n, cleanN);
  if (cleanN > data.n || n > cleanN) throw new Error(`need --n (${n}) <= --clean-n (${cleanN}) <= the ${data.n} test images here`);
  const provenance = {
    command: ['npm run eval --', ...argv].join(' '),
    commit: git(['rev-parse', 'HEAD']),
    // Tracked files only: a scratch file nothing imports does not change what ran.
    libDirty: git(['status', '--porcelain', '--untracked-files=no', '--', 'lib']) !== '',
  };
  const backend = `${describeBackend(choice.name)}; ${os.cpus()[0]?.model ?? 'cpu'}; TF_ENABLE_ONEDNN_OPTS=${process.env.TF_ENABLE_ONEDNN_OPTS ?? 'unset'}`;
  for (const name of models) {
    const { model } = await loadShipped(spec.name, name);
    const ev = await measureEvaluation(spec.name, name, model, data, {
      settings, n, cleanN, provenance, partial: path.join(OUTPUTS, 'evaluations', spec.name, `${name}.partial.json`), backend, onProgress: terminalProgress(),
    });
    model.dispose();
    console.log(JSON.stringify({ model: name, clean: ev.clean.acc, cleanN: ev.clean.n, n, points: ev.points.map((p) => `${p.threat} ${+p.eps.toFixed(4)}: ${(100 * p.acc).toFixed(1)}%`), seconds: ev.seconds }));
  }
  return 0;
}
