// An attack as a value: the threat model, its budget and PGD's settings, built and checked once here,
// then carried unchanged as data through the command line, recipes, training, evaluation and the page.
import { checkNonNegative, checkPositiveInt } from '../checks';
import { checkNorm, Norm } from './threat';

export interface AttackSpec {
  readonly threat: Norm;
  readonly eps: number;
  readonly steps: number;
  readonly stepSize: number;
  /** Start at a random point of the eps-ball (PGD as Madry et al. train with it), or at x. */
  readonly randomStart: boolean;
  /** Runs from different random starts, keeping per example the worst case found. */
  readonly restarts: number;
  /** A class every example is pushed towards; untargeted (the label's loss raised) when absent. */
  readonly target?: number;
}

export interface AttackInput {
  threat?: string;
  eps: number;
  steps: number;
  /** Default: `stepScale` eps / steps. */
  stepSize?: number;
  /** Madry et al.'s rule of thumb, 2.5: K steps of 2.5 eps / K reach anywhere in the ball from anywhere in it. */
  stepScale?: number;
  randomStart?: boolean;
  restarts?: number;
  target?: number;
}

/**
 * The attack `a` describes, with its defaults (l_inf; step 2.5 eps / steps; a random start; one
 * restart; untargeted), or an error naming the first bad value.
 */
export function attackSpec(a: AttackInput): AttackSpec {
  const threat = checkNorm(a.threat ?? 'linf');
  const eps = checkNonNegative('eps', a.eps);
  const steps = checkPositiveInt('steps', a.steps);
  const stepSize = a.stepSize ?? ((a.stepScale ?? 2.5) * eps) / steps;
  // eps 0 is no attack: the ball is a point, and any step is projected back onto it.
  if (!(Number.isFinite(stepSize) && (stepSize > 0 || (eps === 0 && stepSize === 0)))) throw new Error(`stepSize must be > 0, got ${stepSize}`);
  const restarts = checkPositiveInt('restarts', a.restarts ?? 1);
  if (a.target !== undefined && !(Number.isInteger(a.target) && a.target >= 0)) throw new Error(`target must be a class id (an integer >= 0), got ${a.target}`);
  return {
    threat, eps, steps, stepSize, randomStart: a.randomStart ?? true, restarts,
    ...(a.target === undefined ? {} : { target: a.target }),
  };
}

/**
 * FGSM from a random start (Wong, Rice and Kolter 2020): one step of 1.25 eps from a random point of
 * the ball, a seventh of PGD-7's cost. Wong et al. define it for l_inf; we use the same step in l_2.
 */
export function fgsmSpec(threat: string, eps: number): AttackSpec {
  return attackSpec({ threat, eps, steps: 1, stepScale: 1.25 });
}

/** The same attack at a fraction f of its budget: eps and step size scaled together (training's warm-up). */
export function scaledAttack(a: AttackSpec, f: number): AttackSpec {
  return f === 1 ? a : { ...a, eps: a.eps * f, stepSize: a.stepSize * f };
}

/** 'ℓ∞ PGD-20, step 0.0375' or 'ℓ2 FGSM from a random start', for captions and logs. */
export function describeAttack(a: AttackSpec, formatEps: (e: number) => string = String): string {
  const symbol = a.threat === 'linf' ? 'ℓ∞' : 'ℓ2';
  const kind = a.steps === 1 && a.randomStart ? 'FGSM from a random start' : `PGD-${a.steps}`;
  return `${symbol} ε=${formatEps(a.eps)}, ${kind}, step ${formatEps(a.stepSize)}${a.randomStart ? '' : ', no random start'}${a.restarts > 1 ? `, ${a.restarts} restarts` : ''}`;
}
