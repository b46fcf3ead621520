// The `at-odds` command: setup, backend, notebooks.
import { parseArgs } from 'util';
import { setup } from '../setup';
import { describeBackend, initBackend } from '../backend/init';
import { hasCompiler } from '../backend/compiled';
import { openLab, runNotebooks } from './notebooks';
import { trainCommand } from './train';
import { evalCommand } from './eval';
import { benchCommand } from './bench';
import { assignmentsCommand } from './assignments';
import { referencesCommand } from './references';
import { runDataset, shippedDir, shipRun } from '../zoo/zoo';
import { MNIST_TRAIN_SIZE, trainSizeSweep } from '../zoo/train-size';
import { datasetSpec, loadDataset } from '../data/datasets';
import { downloadProgress, terminalProgress } from '../progress';

const USAGE = `usage: at-odds <command>
  setup                         install what the notebooks need (idempotent)
  backend                       print the TensorFlow.js backend in use and why
  lab                           open JupyterLab on the notebooks, with the tslab kernel
  train --out DIR [--dataset mnist|cifar10] [...]   standard or adversarial training (--help for options)
  train-size --out DIR                      Figure 1's runs: accuracy against training-set size (resumes)
  ship --recipe NAME --run DIR [--dataset D]  copy a finished run into data/models/<dataset>/NAME (float16)
  eval --checkpoint DIR [--eps E ...]       standard and PGD robust accuracy, as one JSON line (--help)
  bench [--dataset mnist|cifar10] [--peer]  throughput against the PyTorch peer (--help)
  references [--check]          write each chapter's References section from references.bib (--check: only say which are stale)
  notebooks <name...> | --all   execute notebooks and export their handouts
      [--profile quick|full] [--set key=value ...] [--out DIR]
  assignments release | grade DIR   the chapters' exercises: student versions and handouts; autograding (--help)`;

/** The commands whose options are parsed here, and their help (train, eval and bench have their own). */
const HELP: Record<string, string> = {
  setup: 'usage: at-odds setup\n  installs Jupyter into .venv, the tslab kernel and the native addons, and picks the backend; idempotent, no options',
  backend: 'usage: at-odds backend\n  prints the TensorFlow.js backend in use and why (AT_ODDS_BACKEND=node|wasm|cpu forces one), and on tfjs-node what its CPU kernels use (oneDNN, threads) and why; no options',
  lab: 'usage: at-odds lab [JUPYTER LAB OPTIONS...]\n  JupyterLab on the repository with the tslab kernel; options go to jupyter lab as they are',
  'train-size': 'usage: at-odds train-size --out DIR\n  Figure 1\'s 15 trainings of the MNIST chapter (sizes 250 to 60,000; eps_train 0, 1, 2 in l2), resuming what is done\n  --out DIR   where the runs and train-size.csv go (required)',
  references: 'usage: at-odds references [--check]\n  writes each notebook\'s last cell, its References section, from the works its markdown cites ([Author Year](#ref-KEY)) and references.bib\n  --check   change nothing; exit 1 and name the notebooks whose section is out of date',
  ship: 'usage: at-odds ship --recipe NAME --run DIR [--dataset mnist|cifar10]\n  checks a finished run of a recipe (protocol, every epoch, accuracy on the embedded sample) and copies it into data/models/<dataset>/NAME as float16\n  --recipe NAME   a recipe of lib/zoo/recipes.ts (required)\n  --run DIR       the run\'s --out folder (required)\n  --dataset D     mnist or cifar10 (default: the run\'s own)',
  notebooks: `usage: at-odds notebooks <name...> | --all [--profile quick|full] [--set key=value ...] [--out DIR]
  executes notebooks on tslab and exports each as a handout (HTML, and PDF when Chromium is installed)
  <name>            a notebook of notebooks/ (01-theory) or a path to an .ipynb
  --all             every notebook of notebooks/
  --profile P       quick (default: what each notebook's parameters cell says) or full
  --set key=value   replaces a value of the parameters cell (repeatable)
  --out DIR         where handouts, executed notebooks and CSVs go (default outputs/)`,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (HELP[command] && command !== 'lab' && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(HELP[command]);
    return 0;
  }
  switch (command) {
    case 'setup':
      setup();
      return 0;
    case 'backend': {
      const choice = await initBackend({ quiet: true });
      console.log(`${describeBackend(choice.name)}: ${choice.reason}`);
      if (choice.cpu) console.log(`TensorFlow CPU kernels: ${choice.cpu.summary}`);
      if (choice.name === 'node') {
        console.log(hasCompiler()
          ? 'Training and attack steps: one TensorFlow graph each, recorded on their first call (AT_ODDS_GRAPHS=0 runs them op by op)'
          : 'Training and attack steps: op by op (AT_ODDS_GRAPHS=0 is set)');
      }
      return 0;
    }
    case 'train':
      return trainCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'train-size': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } } });
      if (!values.out) throw new Error('usage: at-odds train-size --out DIR');
      await initBackend();
      const [trainSet, testSet] = [await loadDataset('mnist', 'train', { onProgress: downloadProgress() }), await loadDataset('mnist', 'test', { onProgress: downloadProgress() })];
      const rows = await trainSizeSweep(MNIST_TRAIN_SIZE, trainSet, testSet, values.out, terminalProgress());
      for (const r of rows) console.log(JSON.stringify(r));
      return 0;
    }
    case 'ship': {
      const { values } = parseArgs({ args: rest, options: { recipe: { type: 'string' }, run: { type: 'string' }, dataset: { type: 'string' } } });
      if (!values.recipe || !values.run) throw new Error('usage: at-odds ship --recipe NAME --run DIR [--dataset mnist|cifar10]');
      // The run's config.json names its data set; --dataset, where given, must agree (shipRun checks).
      const dataset = datasetSpec(values.dataset ?? runDataset(values.run)).name;
      await initBackend({ quiet: true });
      const r = await shipRun(dataset, values.recipe, values.run);
      console.log(`shipped ${values.recipe}: ${r.history.length} epochs, ${(r.seconds / 60).toFixed(1)} min of training, to ${shippedDir(dataset, values.recipe)}`);
      return 0;
    }
    case 'bench':
      return benchCommand(rest);
    case 'assignments':
      return assignmentsCommand(rest);
    case 'references':
      return referencesCommand(rest);
    case 'lab':
      return openLab(rest);
    case 'notebooks': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          all: { type: 'boolean', default: false },
          profile: { type: 'string' },
          set: { type: 'string', multiple: true, default: [] },
          out: { type: 'string' },
        },
      });
      return runNotebooks({ names: positionals, all: values.all!, profile: values.profile, sets: values.set!, out: values.out });
    }
    default:
      console.error(command ? `unknown command '${command}'\n${USAGE}` : USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error) => {
    console.error(`at-odds: ${e.message}`);
    process.exitCode = 1;
  },
);
