// The epsilon explorer: a slider over eps that shows, for a few test digits, the adversarial image
// and each model's prediction. Every frame is computed in advance and the page only swaps images
// and captions, so it scrubs instantly and works in a handout with no kernel behind it.
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { madryStepSize, pgd } from '../attacks/pgd';
import { Norm } from '../attacks/threat';
import { Classifier, topClass } from '../models/classifier';
import { imageGrid, tensorImages } from './grid';

/** One image and what a model says of it. */
export interface ExplorerCell {
  /** A PNG as a data: URI. */
  src: string;
  predicted: number;
  confidence: number;
  correct: boolean;
}

export interface ExplorerFrames {
  threat: Norm;
  epsList: number[];
  labels: number[];
  /** cells[model][eps index][digit] */
  cells: Record<string, ExplorerCell[][]>;
}

/** PGD examples at every eps of the grid for every model, with predictions: the explorer's data. */
export async function explorerFrames(models: Record<string, Classifier>, x: tf.Tensor4D, y: tf.Tensor1D,
  opts: { threat: Norm; epsList: number[]; steps: number; seed?: number }): Promise<ExplorerFrames> {
  if (opts.epsList.some((e) => !(e >= 0))) throw new Error(`explorer eps must be >= 0, got ${opts.epsList}`);
  const cells: Record<string, ExplorerCell[][]> = {};
  const truth = Array.from(y.dataSync());
  for (const [name, model] of Object.entries(models)) {
    cells[name] = [];
    for (const eps of opts.epsList) {
      const xAdv = eps === 0 ? tf.clone(x) : pgd(model, x, y, { threat: opts.threat, eps, steps: opts.steps, stepSize: madryStepSize(eps, opts.steps), seed: opts.seed ?? 0 });
      const { classes: pred, confidences: conf } = topClass(model, xAdv);
      const { shape: [, h, w, c], data } = await tensorImages(xAdv);
      const pixels = Float32Array.from(data);
      xAdv.dispose();
      const size = h * w * c;
      cells[name].push(pred.map((cls, i) => ({
        src: `data:image/png;base64,${imageGrid({ shape: [1, h, w, c], data: pixels.subarray(i * size, (i + 1) * size) }, { scale: 1, pad: 0 }).toString('base64')}`,
        predicted: cls, confidence: conf[i], correct: cls === truth[i],
      })));
    }
  }
  return { threat: opts.threat, epsList: opts.epsList, labels: Array.from(y.dataSync()), cells };
}

/** The explorer as one self-contained HTML fragment (a range input and a short script). */
export function explorerHtml(frames: ExplorerFrames, opts: { title?: string; initial?: number } = {}): string {
  const json = JSON.stringify(frames).replace(/</g, '\\u003c');
  const id = `explorer-${crypto.createHash('sha1').update(json).digest('hex').slice(0, 12)}`;
  const initial = opts.initial ?? 0;
  const norm = frames.threat === 'linf' ? 'ℓ∞' : 'ℓ2';
  const rows = Object.keys(frames.cells).map((name, m) => `<tr><th style="text-align:right;padding-right:8px">${name}</th>${frames.labels.map((_, d) =>
    `<td style="text-align:center;padding:2px 6px"><img data-m="${m}" data-d="${d}" width="84" height="84" style="image-rendering:pixelated;display:block;margin:auto"><div class="at-odds-pred" data-m="${m}" data-d="${d}" style="font:12px sans-serif"></div></td>`).join('')}</tr>`).join('\n');
  return `<div class="at-odds-explorer" id="${id}" style="max-width:900px">
<div style="font:bold 14px sans-serif;margin:4px 0">${opts.title ?? `${norm} PGD against each model`}</div>
<label style="font:13px sans-serif">${norm} ε = <span class="at-odds-eps"></span>
<input type="range" min="0" max="${frames.epsList.length - 1}" step="1" value="${initial}" style="width:320px;vertical-align:middle"></label>
<table style="border-collapse:collapse;margin-top:6px"><tr><th></th>${frames.labels.map((l) => `<th style="font:12px sans-serif">label ${l}</th>`).join('')}</tr>
${rows}</table>
<script>(function () {
  var f = ${json};
  var root = document.getElementById('${id}');
  var names = Object.keys(f.cells);
  function show(k) {
    root.querySelector('.at-odds-eps').textContent = f.epsList[k];
    root.querySelectorAll('img').forEach(function (img) {
      img.src = f.cells[names[+img.dataset.m]][k][+img.dataset.d].src;
    });
    root.querySelectorAll('.at-odds-pred').forEach(function (div) {
      var c = f.cells[names[+div.dataset.m]][k][+div.dataset.d];
      div.textContent = c.predicted + ' (' + Math.round(100 * c.confidence) + '%)';
      div.style.color = c.correct ? '#1a7f37' : '#cf222e';
    });
  }
  var input = root.querySelector('input');
  input.addEventListener('input', function () { show(+input.value); });
  show(+input.value);
})();</script>
</div>`;
}
