// The image chapters show each shipped model's stored evaluation (lib/zoo/evaluation.ts) instead of
// attacking every model for minutes in a lecture, and re-measure a few of its images live to show that
// the code in hand gives the same results. A model trained here, or whose weights differ from those
// measured, or a student who sets `remeasure`, gets everything measured now.
import { formatEps, Norm, NORMS, normSymbol } from '../attacks/threat';
import { subset } from '../data/dataset';
import type { CurveRow } from '../eval/accuracy';
import { correctPerImage } from '../eval/per-image';
import { markdownTable } from '../figures/table';
import { evaluationRows, flips, shippedEvaluation, ShippedEvaluation, storedBits, weightsSha256 } from '../zoo/evaluation';
import { shippedDir } from '../zoo/zoo';
import type { ImageChapter } from './image';

/**
 * The stored evaluation of each of the chapter's models that has one for the weights in hand. None in
 * a profile that trains its models (they are not the shipped weights) or when the student asks to
 * remeasure. openChapter keeps the answer in `ch.stored` (reading it hashes every model's weights).
 */
export function chapterEvaluations(ch: Pick<ImageChapter, 'spec' | 'sizes' | 'remeasure' | 'models'>): Record<string, ShippedEvaluation> {
  if (ch.sizes.train || ch.remeasure) return {};
  const out: Record<string, ShippedEvaluation> = {};
  for (const name of Object.keys(ch.models)) {
    // The chapter read these weights from the shipped directory (openChapter, quick profile).
    const ev = shippedEvaluation(ch.spec.name, name, weightsSha256(shippedDir(ch.spec.name, name)));
    if (ev) out[name] = ev;
  }
  return out;
}

/** The rows of the accuracy table and curves from stored evaluations, tagged with the model and PGD's steps. */
export function storedCurves(evals: Record<string, ShippedEvaluation>): (CurveRow & { model: string })[] {
  return Object.entries(evals).flatMap(([model, ev]) => evaluationRows(ev).map((r) => ({ ...r, model, steps: ev.settings.steps })));
}

/** The budgets re-measured live: the middle of each norm's grid (MNIST ℓ∞ 0.3, ℓ2 3; CIFAR-10 ℓ∞ 8/255, ℓ2 1). */
export function checkPoints(ch: ImageChapter): { threat: Norm; eps: number }[] {
  return NORMS.map((threat) => {
    const eps = ch.spec.epsGrids[threat].filter((e) => e > 0);
    return { threat, eps: eps[Math.floor(eps.length / 2)] };
  });
}

export interface LiveCheck {
  images: number;
  points: { model: string; threat: Norm; eps: number; stored: number; live: number; flips: number[] }[];
  seconds: number;
}

/**
 * Each stored evaluation re-measured now on the first `images` test images at checkPoints, compared
 * image by image. The chapter's quick test split (the embedded sample) is the test split's first
 * images, and the first m images of a stored run are attacked as a run over those m alone attacks them
 * (correctPerImage), so the two should agree up to the CPU's rounding (test/evaluation.test.ts).
 */
export async function checkEvaluations(ch: ImageChapter, evals: Record<string, ShippedEvaluation>, opts: { images: number }): Promise<LiveCheck> {
  const images = Math.min(opts.images, ch.testSet.n);
  const data = subset(ch.testSet, 0, images);
  const started = Date.now();
  const points: LiveCheck['points'] = [];
  for (const [model, ev] of Object.entries(evals)) {
    const s = ev.settings;
    for (const { threat, eps } of checkPoints(ch)) {
      const live = await correctPerImage(ch.models[model], data, { attack: { threat, eps, steps: s.steps, stepScale: s.stepScale, randomStart: true }, seed: s.seed, batchSize: s.batchSize });
      const stored = storedBits(ev, threat, eps, images);
      points.push({ model, threat, eps, stored: stored.reduce((a, b) => a + b, 0), live: live.reduce((a, b) => a + b, 0), flips: flips(stored, live) });
    }
  }
  return { images, points, seconds: (Date.now() - started) / 1000 };
}

const short = (hash: string) => hash.slice(0, 12);

/** Where the stored numbers come from (command, commit, weights, n), and how the live check went. */
export function evaluationsMarkdown(ch: ImageChapter, evals: Record<string, ShippedEvaluation>, check?: LiveCheck): string {
  const names = Object.keys(evals);
  if (!names.length) return '';
  const s = evals[names[0]].settings;
  const table = markdownTable(['model', 'clean: n', 'PGD: n', 'weights sha256', 'commit', 'measured', 'command'],
    names.map((m) => { const ev = evals[m]; return [m, ev.clean.n, ev.points[0]?.n ?? 0, `\`${short(ev.weightsSha256)}…\``, `\`${ev.commit.slice(0, 8)}\`${ev.libDirty ? ' (+ changes)' : ''}`, ev.date.slice(0, 10), `\`${ev.command}\``]; }));
  let checked = '';
  if (check) {
    const total = check.points.length * check.images;
    const flipped = check.points.filter((p) => p.flips.length);
    const where = checkPoints(ch).map((p) => `${normSymbol(p.threat)} ε = ${formatEps(p.eps)}`).join(' and ');
    checked = `\n\nRe-measured now, on the first ${check.images} test ${ch.spec.noun}s at ${where} for each of these models (${check.seconds.toFixed(1)} s): `
      + (flipped.length === 0 ? `all ${total} per-image results agree with the stored ones.`
        : `${total - flipped.reduce((a, p) => a + p.flips.length, 0)} of ${total} per-image results agree; these differ: ${flipped.map((p) => `${p.model} ${normSymbol(p.threat)} ${formatEps(p.eps)} image${p.flips.length > 1 ? 's' : ''} ${p.flips.join(', ')}`).join('; ')} (an image on the edge of the decision can flip with the CPU's rounding; test/evaluation.test.ts allows one in its sample).`);
  }
  return `**Stored, not measured in this run:** these numbers were measured when the models were shipped (PGD-${s.steps}, steps of ${s.stepScale} ε / ${s.steps}, a random start seeded ${s.seed} + the batch's first image, one restart), and are kept image by image in \`data/models/${ch.spec.name}/<model>/evaluation.json\`, for the weights whose sha256 is given: `
    + `a model trained here, or whose weights differ, is measured now instead. Set \`remeasure = true\` in the parameters cell (or run \`npm run notebooks -- ${ch.name} --set remeasure=true\`) to measure everything now.${checked}\n\n${table}`;
}
