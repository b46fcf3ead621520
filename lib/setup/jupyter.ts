// Jupyter (Lab, Notebook, nbconvert, nbclient) in a project-local virtual environment.
import * as fs from 'fs';
import * as path from 'path';
import { JUPYTER_DIR, VENV, venvBin } from '../paths';
import { log, run, SetupError } from './shell';

const MODULES = ['jupyterlab', 'notebook', 'nbconvert', 'nbclient', 'nbformat', 'plotly'];

/** pip without retries against an unreachable index: 18 s offline instead of 11 minutes. */
export function pipEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? '0', PIP_TIMEOUT: process.env.PIP_TIMEOUT ?? '5', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
}

function systemPython(): string {
  const python = process.env.AT_ODDS_PYTHON ?? 'python3';
  const v = run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  if (!v.ok) throw new SetupError('jupyter', `${python} does not run`, 'install Python >= 3.10 with venv (Debian: apt-get install python3 python3-venv), or set AT_ODDS_PYTHON');
  const [major, minor] = v.output.trim().split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 10)) {
    throw new SetupError('jupyter', `${python} is Python ${major}.${minor}`, 'Jupyter here needs Python >= 3.10: set AT_ODDS_PYTHON to one');
  }
  return python;
}

export function jupyterReady(): boolean {
  return fs.existsSync(venvBin('python')) && run(venvBin('python'), ['-c', `import ${MODULES.join(', ')}`]).ok;
}

export function setupJupyter(): void {
  if (jupyterReady()) {
    log('jupyter: .venv is ready');
    return;
  }
  if (!fs.existsSync(venvBin('python'))) {
    const python = systemPython();
    log(`jupyter: creating .venv with ${python}`);
    const r = run(python, ['-m', 'venv', VENV]);
    if (!r.ok) throw new SetupError('jupyter', `python -m venv failed:\n${r.output}`, 'install the venv module (Debian: apt-get install python3-venv)');
  }
  log('jupyter: installing JupyterLab, Notebook, nbconvert, nbclient and the plotly extension into .venv (about 30 s)');
  const r = run(venvBin('pip'), ['install', '-q', '-r', path.join(JUPYTER_DIR, 'requirements.txt')], { env: pipEnv() });
  if (!r.ok) throw new SetupError('jupyter', `pip install failed:\n${r.output}`, 'check that pip reaches a package index (pip config list), then run `npm run setup` again');
  // JupyterLab would otherwise try to fetch news from the internet on every start.
  const settings = path.join(VENV, 'share', 'jupyter', 'lab', 'settings');
  fs.mkdirSync(settings, { recursive: true });
  fs.writeFileSync(path.join(settings, 'overrides.json'), JSON.stringify({
    '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
  }, null, 2));
  if (!jupyterReady()) throw new SetupError('jupyter', 'the packages installed but do not import', 'delete .venv and run `npm run setup` again');
}

/**
 * The environment every Jupyter process of ours runs in: our tslab kernelspec on JUPYTER_PATH, and
 * Jupyter's own data (notebook signatures, runtime files) inside the project, not in $HOME.
 */
export function jupyterEnv(outputs: string): NodeJS.ProcessEnv {
  const prior = process.env.JUPYTER_PATH;
  return {
    ...process.env,
    JUPYTER_PATH: prior ? `${JUPYTER_DIR}${path.delimiter}${prior}` : JUPYTER_DIR,
    JUPYTER_DATA_DIR: path.join(VENV, 'share', 'jupyter-data'),
    AT_ODDS_NODE: process.execPath,
    AT_ODDS_OUTPUTS: outputs,
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
  };
}
