// What TensorFlow's CPU kernels should use on this machine, decided before tfjs-node's native library
// loads (it reads these variables once, at load). A pure function of the CPU's flags, its core count and
// the environment, so that the rule is tested on CPUs the tests do not run on.
//
// oneDNN: TensorFlow (2.21 from set-up's wheel, or tfjs-node's own 2.9.1) turns its oneDNN kernels on by itself only
// where the CPU has AVX-512 VNNI, BF16 or AMX. On an AVX2 AMD EPYC, TF_ENABLE_ONEDNN_OPTS=1 made the
// MadryLab CNN's training 1.5x faster and ResNet-9's 1.2-1.7x (issue #20; /work/shared/NOTES.md), so we
// turn it on wherever the CPU has AVX2. A user's own setting always stands.
import * as fs from 'fs';
import * as os from 'os';

/** The CPU features TensorFlow's own default looks at: with any of them it turns oneDNN on itself. */
const TF_DEFAULT_ONEDNN = ['avx512_vnni', 'avx512_bf16', 'amx_bf16', 'amx_tile', 'amx_int8'];
/** The features we report, in this order: what oneDNN's kernels can use. */
const REPORTED = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile'];

export interface CpuPlan {
  /** The variables to set before TensorFlow loads (only those the user left unset). */
  env: Record<string, string>;
  /** oneDNN on or off, and why, in a few words. */
  onednn: { on: boolean; why: string };
  /** The features seen, as `npx at-odds backend` prints them; null where the flags could not be read. */
  flags: string[] | null;
  /** One line a person can read. */
  summary: string;
}

/**
 * The plan for CPU `flags` (as /proc/cpuinfo's flags line spells them; null when unknown) with `cores`
 * logical cores, under environment `env`. Threads are left to TensorFlow, which already uses every core;
 * TF_NUM_INTRAOP_THREADS, TF_NUM_INTEROP_THREADS and OMP_NUM_THREADS were measured on the 2-core AVX-512
 * EPYC (issue #20's note): none won beyond the run-to-run noise, and one intra-op thread lost 25-30%.
 */
export function cpuPlan(flags: string[] | null, cores: number, env: Record<string, string | undefined>): CpuPlan {
  const has = new Set(flags ?? []);
  const out: Record<string, string> = {};
  let onednn: CpuPlan['onednn'];
  const user = env.TF_ENABLE_ONEDNN_OPTS;
  if (user !== undefined && user !== '') {
    onednn = { on: user === '1' || user.toLowerCase() === 'true', why: `TF_ENABLE_ONEDNN_OPTS=${user} set by the user` };
  } else if (flags === null) {
    onednn = { on: false, why: "CPU flags unknown (no /proc/cpuinfo): TensorFlow's default" };
  } else if (TF_DEFAULT_ONEDNN.some((f) => has.has(f))) {
    onednn = { on: true, why: `TensorFlow's default where the CPU has ${TF_DEFAULT_ONEDNN.filter((f) => has.has(f)).join(', ')}` };
  } else if (has.has('avx2')) {
    out.TF_ENABLE_ONEDNN_OPTS = '1';
    onednn = { on: true, why: 'turned on: the CPU has AVX2, where oneDNN measured 1.2-1.7x faster (TensorFlow leaves it off without AVX-512 VNNI/BF16 or AMX)' };
  } else {
    onednn = { on: false, why: "no AVX2: TensorFlow's default (off)" };
  }
  const seen = flags === null ? null : REPORTED.filter((f) => has.has(f));
  const flagText = seen === null ? 'CPU flags unknown' : `CPU ${seen.length ? seen.join(' ') : 'without AVX2'}`;
  const threads = env.TF_NUM_INTRAOP_THREADS ? `TF_NUM_INTRAOP_THREADS=${env.TF_NUM_INTRAOP_THREADS} set by the user` : `TensorFlow's default threads (all ${cores} cores)`;
  return { env: out, onednn, flags: seen, summary: `${flagText}; oneDNN ${onednn.on ? 'on' : 'off'} (${onednn.why}); ${threads}` };
}

/** This machine's CPU flags from /proc/cpuinfo (Linux), or null elsewhere. */
export function cpuFlags(): string[] | null {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => /^flags\s*:/.test(l));
    return line ? line.split(':')[1].trim().split(/\s+/) : null;
  } catch {
    return null;
  }
}

/** Sets this machine's plan in process.env (before tfjs-node loads) and returns it. */
export function applyCpuPlan(): CpuPlan {
  const plan = cpuPlan(cpuFlags(), os.cpus().length, process.env);
  Object.assign(process.env, plan.env);
  return plan;
}
