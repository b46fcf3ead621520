// `npm run eval`: standard and PGD robust accuracy of a trained model, as one JSON line.
import { parseArgs } from 'util';
import { initBackend } from '../backend/init';
import * as tf from '@tensorflow/tfjs';
import { datasetNames, datasetOfShape, datasetSpec, DatasetSpec, loadDataset } from '../data/datasets';
import { evaluate } from '../eval/accuracy';
import { attackSpec } from '../attacks/spec';
import { loadModel } from '../models/io';
import { modelDir } from '../train/checkpoint';
import { downloadProgress, terminalProgress } from '../progress';
import { count, int, num } from './args';
import { evalShipCommand } from './eval-ship';

const EVAL_USAGE = `usage: at-odds eval --checkpoint DIR [--dataset mnist|cifar10] [--split test|train|sample] [--n N]
    [--threat linf|l2] [--eps E[,E2,...]] [--steps K] [--step-size S] [--restarts R] [--seed S] [--batch-size B]
       at-odds eval --dataset D --ship ...: the evaluations the shipped models carry (--ship --help)
  defaults: --dataset: the one the model's input shape fits; --split test; every image of the split;
            --threat linf --eps 0 (standard accuracy only); --steps 40; --step-size 2.5 eps / steps; --restarts 1; --seed 0; --batch-size 200`;

/** The data set a model takes, from its input shape; `named` must agree with it. */
function datasetOf(model: tf.LayersModel, named: string | undefined): DatasetSpec {
  const shape = model.inputs[0].shape.slice(1);
  const fits = datasetOfShape(shape);
  if (named === undefined) {
    if (!fits) throw new Error(`the model takes ${shape.join('x')} images, which is none of ${datasetNames().join(', ')}: pass --dataset`);
    return fits;
  }
  const dataset = datasetSpec(named);
  if (fits && fits !== dataset) throw new Error(`the model takes ${shape.join('x')} images, which are ${fits.name}'s, not ${dataset.name}'s (${dataset.shape.join('x')}): drop --dataset or pass --dataset ${fits.name}`);
  return dataset;
}

export async function evalCommand(argv: string[]): Promise<number> {
  if (argv.includes('--ship')) return evalShipCommand(argv);
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' }, split: { type: 'string', default: 'test' }, checkpoint: { type: 'string' }, help: { type: 'boolean', default: false },
      threat: { type: 'string', default: 'linf' }, eps: { type: 'string' }, steps: { type: 'string' }, 'step-size': { type: 'string' },
      restarts: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, 'batch-size': { type: 'string' },
    },
  });
  if (values.help) {
    console.log(EVAL_USAGE);
    return 0;
  }
  if (!values.checkpoint) throw new Error(`--checkpoint DIR is required (a training run or a model directory)\n${EVAL_USAGE}`);
  // A list of eps (--eps 0,0.1,0.3) gives one line per eps.
  const steps = count('steps', values.steps, 40);
  const restarts = count('restarts', values.restarts, 1);
  const seed = int('seed', values.seed, 0);
  const stepSize = values['step-size'] === undefined ? undefined : num('step-size', values['step-size']);
  // Every attack is built before any work, eps 0 (no attack) included.
  const attacks = (values.eps ?? '0').split(',').map((e) => attackSpec({ threat: values.threat, eps: num('eps', e), steps, stepSize, restarts }));
  const batchSize = count('batch-size', values['batch-size'], 200);
  const n = values.n === undefined ? undefined : count('n', values.n);
  await initBackend({ quiet: true });
  const model = await loadModel(modelDir(values.checkpoint));
  const dataset = datasetOf(model, values.dataset);
  const data = await loadDataset(dataset, values.split!, { limit: n, onProgress: downloadProgress() });
  for (const a of attacks) {
    const attack = a.eps > 0 ? a : undefined;
    const r = await evaluate(model, data, { attack, seed, batchSize, onProgress: terminalProgress() });
    console.log(JSON.stringify({
      std_acc: r.std_acc, robust_acc: r.robust_acc, n: r.n, dataset: dataset.name, split: values.split, threat: a.threat,
      eps: a.eps, steps: attack ? a.steps : 0, step_size: attack ? a.stepSize : 0, restarts: attack ? a.restarts : 0, random_start: Boolean(attack), seconds: +r.seconds.toFixed(1),
    }));
  }
  model.dispose();
  return 0;
}
