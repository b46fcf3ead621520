// `npm run eval`: standard and PGD robust accuracy of a trained model, as one JSON line.
import { parseArgs } from 'util';
import { initBackend } from '../backend/init';
import { loadDataset } from '../data/load';
import { evaluate } from '../eval/accuracy';
import { madryStepSize } from '../attacks/pgd';
import { loadModel } from '../models/io';
import { modelDir } from '../train/checkpoint';
import { downloadProgress, terminalProgress } from '../progress';
import { int, num } from './args';

export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', default: 'mnist' }, split: { type: 'string', default: 'test' }, checkpoint: { type: 'string' },
      threat: { type: 'string', default: 'linf' }, eps: { type: 'string' }, steps: { type: 'string' }, 'step-size': { type: 'string' },
      restarts: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, 'batch-size': { type: 'string' },
    },
  });
  if (!values.checkpoint) throw new Error('--checkpoint DIR is required (a training run or a model directory)');
  // A list of eps (--eps 0,0.1,0.3) gives one line per eps.
  const epsList = (values.eps ?? '0').split(',').map((e) => num('eps', e));
  const steps = int('steps', values.steps, 40);
  const restarts = int('restarts', values.restarts, 1);
  const seed = int('seed', values.seed, 0);
  const batchSize = int('batch-size', values['batch-size'], 200);
  await initBackend({ quiet: true });
  const model = await loadModel(modelDir(values.checkpoint));
  const data = await loadDataset(values.dataset!, values.split!, { limit: values.n === undefined ? undefined : int('n', values.n), onProgress: downloadProgress() });
  for (const eps of epsList) {
    const stepSize = num('step-size', values['step-size'], madryStepSize(eps, steps));
    const attack = eps > 0 ? { threat: values.threat as 'linf' | 'l2', eps, steps, stepSize, restarts, seed } : undefined;
    const r = await evaluate(model, data, { attack, batchSize, onProgress: terminalProgress() });
    console.log(JSON.stringify({
      std_acc: r.std_acc, robust_acc: r.robust_acc, n: r.n, dataset: values.dataset, split: values.split, threat: values.threat,
      eps, steps: attack ? steps : 0, step_size: attack ? stepSize : 0, restarts: attack ? restarts : 0, random_start: Boolean(attack), seconds: +r.seconds.toFixed(1),
    }));
  }
  model.dispose();
  return 0;
}
