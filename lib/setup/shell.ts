// Running the external commands that set-up needs, with failures that name the step and the fix.
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export class SetupError extends Error {
  constructor(step: string, problem: string, fix: string) {
    super(`set-up step "${step}" failed: ${problem}\n  fix: ${fix}`);
  }
}

export interface RunResult { ok: boolean; output: string }

/** Runs a command to completion, capturing its output (the last 40 lines are kept for errors). */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs, maxBuffer: 64 << 20, ...opts });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  return { ok: r.status === 0 && !r.error, output: output.split('\n').slice(-40).join('\n') };
}

/** Whether `node -e code` succeeds in a fresh process (a broken native addon can crash the one that loads it). */
export function nodeCan(code: string, cwd: string): boolean {
  return run(process.execPath, ['-e', code], { cwd, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } }).ok;
}

/**
 * Environment for node-gyp: where this Node ships its own headers (Debian's /usr/include/node),
 * point node-gyp at them so that it need not download them.
 */
export function gypEnv(): NodeJS.ProcessEnv {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const headers = path.join(prefix, 'include', 'node', 'node_api.h');
  return fs.existsSync(headers) ? { ...process.env, npm_config_nodedir: prefix } : { ...process.env };
}

export function log(msg: string): void {
  console.log(`[setup] ${msg}`);
}
