// The `at-odds` command: setup, backend, notebooks.
import { parseArgs } from 'util';
import { setup } from '../setup';
import { describeBackend, initBackend } from '../backend/init';
import { openLab, runNotebooks } from './notebooks';
import { trainCommand } from './train';
import { evalCommand } from './eval';
import { benchCommand } from './bench';

const USAGE = `usage: at-odds <command>
  setup                         install what the notebooks need (idempotent)
  backend                       print the TensorFlow.js backend in use and why
  lab                           open JupyterLab on the notebooks, with the tslab kernel
  train --dataset mnist --out DIR [...]     standard or adversarial training (--help for options)
  eval --checkpoint DIR [--eps E ...]       standard and PGD robust accuracy, as one JSON line
  bench [--model madry|small] [--peer]      throughput against the PyTorch peer
  notebooks <name...> | --all   execute notebooks and export their handouts
      [--profile quick|full] [--set key=value ...] [--out DIR]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'setup':
      setup();
      return 0;
    case 'backend': {
      const choice = await initBackend({ quiet: true });
      console.log(`${describeBackend(choice.name)}: ${choice.reason}`);
      return 0;
    }
    case 'train':
      return trainCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'bench':
      return benchCommand(rest);
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
