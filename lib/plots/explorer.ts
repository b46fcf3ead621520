// The epsilon explorer: for a few test images, each model's adversarial image and prediction at the
// eps of a slider. The attack runs in the page (lib/live), so any eps, norm, step count or target
// works in JupyterLab and in a handout opened from a file. This module writes that page fragment: the
// models (float16), the images, the compiled library and TensorFlow.js's wasm, all inlined, and a
// picture of the starting state, computed here, which the PDF prints and a page without scripts shows.
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { formatEps, Norm, normSymbol } from '../attacks/threat';
import { attackSpec } from '../attacks/spec';
import { attackModels } from '../figures/attack';
import { className } from '../figures/classes';
import { Classifier, topClass } from '../models/classifier';
import { modelArtifacts } from '../models/artifacts';
import type { LiveExplorerData } from '../live/data';
import { liveBundle, UNPACK_SCRIPT, wasmBinary } from './bundle';
import { imageGrid, Picture, tensorImages } from './grid';
import { escapeHtml, scriptJson as json } from './html';
import { pack } from './pack';

export interface ExplorerOptions {
  /** Where the explorer starts. */
  threat?: Norm;
  eps: number;
  /** PGD steps (default 20). */
  steps?: number;
  /** Start with a targeted attack towards this class (default: untargeted). */
  target?: number | null;
  /** Which images of the strip are attacked at first (default: the first 8). */
  selected?: number[];
  /** The slider's range in each norm (default: MNIST's for grey images, CIFAR-10's for colour). */
  ranges?: Record<Norm, { max: number; step: number }>;
  classNames?: string[];
  title?: string;
}

const DEFAULT_RANGES = {
  grey: { linf: { max: 0.5, step: 0.005 }, l2: { max: 6, step: 0.05 } },
  colour: { linf: { max: 16 / 255, step: 0.25 / 255 }, l2: { max: 2, step: 0.02 } },
};

/** The data the page needs: models, images [N, H, W, C] in [0, 1] with labels [N], and where to start. */
export async function explorerData(models: Record<string, Classifier>, x: tf.Tensor4D, y: tf.Tensor1D, opts: ExplorerOptions): Promise<LiveExplorerData> {
  const [n, h, w, c] = x.shape;
  for (const [name, m] of Object.entries(models)) {
    if (typeof m === 'function') throw new Error(`explorer: '${name}' is a function; the page needs a tf.LayersModel, whose layers and weights it can carry`);
  }
  if (y.shape[0] !== n) throw new Error(`explorer: ${n} images but ${y.shape[0]} labels`);
  if (Object.keys(models).length === 0) throw new Error('explorer: no models to compare');
  // The starting attack, built (and so checked) before any work.
  const start = attackSpec({ threat: opts.threat, eps: opts.eps, steps: opts.steps ?? 20, randomStart: false, target: opts.target ?? undefined });
  const selected = opts.selected ?? Array.from({ length: Math.min(8, n) }, (_, i) => i);
  const outside = selected.filter((i) => !(Number.isInteger(i) && i >= 0 && i < n));
  if (selected.length === 0 || selected.length > 8 || outside.length) throw new Error(`explorer: selected must be 1 to 8 indices of the ${n} images, got [${selected}]`);
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(x, 0, 1), 255)), 'int32'));
  const pixels = await bytes.data();
  bytes.dispose();
  return {
    models: await Promise.all(Object.entries(models).map(async ([name, m]) => {
      const a = await modelArtifacts(m as tf.LayersModel);
      return { name, modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weights: pack(new Uint8Array(a.weightData), 2) };
    })),
    images: { shape: [n, h, w, c], pixels: pack(Uint8Array.from(pixels)) },
    labels: Array.from(await y.data()),
    classNames: opts.classNames,
    ranges: opts.ranges ?? DEFAULT_RANGES[c === 1 ? 'grey' : 'colour'],
    levels: c === 3,
    initial: { norm: start.threat, eps: start.eps, steps: start.steps, target: start.target ?? null, selected },
    canDraw: h === 28 && w === 28 && c === 1,
    wasm: wasmBinary(),
  };
}

/**
 * The starting state as one picture: each model's adversarial images and predictions, computed in Node
 * through the loop the page runs (lib/figures/attack.ts: PGD from the clean image, steps of 2.5 eps / steps).
 */
async function startingPicture(models: Record<string, Classifier>, x: tf.Tensor4D, y: tf.Tensor1D, d: LiveExplorerData): Promise<Picture> {
  const { norm, eps, steps, target, selected } = d.initial;
  const name = (k: number) => className(k, d.classNames);
  const xs = tf.gather(x, selected) as tf.Tensor4D;
  const ys = tf.gather(y, selected) as tf.Tensor1D;
  const rows = (await attackModels(Object.values(models), xs, ys, d.initial))!;
  const labels = Object.values(models).flatMap((m, r) => {
    const { classes, confidences } = topClass(m, rows[r]);
    return classes.map((k, i) => `${name(k)}\n${Math.round(100 * confidences[i])}%`);
  });
  const all = tf.concat(rows);
  const what = `${normSymbol(norm)} PGD-${steps} at ε = ${formatEps(eps)}${target == null ? '' : ` towards ${name(target)}`}`;
  const png = imageGrid(await tensorImages(all), {
    cols: selected.length, labels, scale: x.shape[1] >= 32 ? 2 : 3,
    title: `${what}, labels ${selected.map((i) => name(d.labels[i])).join(' ')}`,
    rowNames: Object.keys(models).map((m) => `the ${m} model's adversarial images and predictions`),
  });
  tf.dispose([xs, ys, all, ...rows]);
  return png;
}

/** The loader: unpacks the bundle once per page (and per bundle), then starts this explorer. */
const LOADER = `(function () {
  var root = document.currentScript && document.currentScript.closest('.at-odds-explorer');
  if (!root) return;
  ${UNPACK_SCRIPT}
  var bundle = root.querySelector('.ao-bundle');
  window.atOddsUnpack('atOddsLive_' + bundle.dataset.hash, JSON.parse(bundle.textContent), function () { return window.atOddsLive; })
    .then(function (live) { return live.explorer(root, JSON.parse(root.querySelector('.ao-data').textContent)); })
    .catch(function (e) {
      root.querySelectorAll('.ao-status').forEach(function (s) { s.textContent = 'The live explorer could not start here (' + (e && e.message ? e.message : e) + '): the picture shows its starting state.'; });
      root.dataset.state = 'failed';
    });
})();`;

/** The explorer as one self-contained HTML fragment. */
export async function explorerHtml(models: Record<string, Classifier>, x: tf.Tensor4D, y: tf.Tensor1D, opts: ExplorerOptions): Promise<string> {
  const data = await explorerData(models, x, y, opts);
  const still = await startingPicture(models, x, y, data);
  const picture = still.toString('base64');
  const bundle = await liveBundle('explorer');
  const hash = crypto.createHash('sha1').update(bundle).digest('hex').slice(0, 12);
  return `<div class="at-odds-explorer" data-state="static" style="max-width:980px">
<style>.at-odds-explorer .ao-replaced{display:none}@media print{.at-odds-explorer .ao-live,.at-odds-explorer .ao-status{display:none}.at-odds-explorer .ao-static.ao-replaced{display:block}}</style>
<div style="font:bold 14px sans-serif;margin:4px 0">${opts.title ?? 'PGD against each model, live'}</div>
<div class="ao-static"><img alt="${escapeHtml(`The explorer's starting state: ${still.alt}`)}" src="data:image/png;base64,${picture}" style="max-width:100%">
<div style="font:12px sans-serif;color:#555">Rows: ${Object.keys(models).map(escapeHtml).join('; ')}; under each image its prediction. Drawn when the notebook ran; opened in a browser, the explorer computes every ε, norm, step count and target live.</div></div>
<div class="ao-status" style="font:12px sans-serif;color:#0969da">Starting the live attack (TensorFlow.js in this page)…</div>
<script type="application/json" class="ao-data">${json(data)}</script>
<script type="application/json" class="ao-bundle" data-hash="${hash}">${json(bundle)}</script>
<script>${LOADER}</script>
</div>`;
}
