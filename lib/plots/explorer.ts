// The epsilon explorer: a slider over eps that shows, for a few test images, the adversarial image
// and each model's prediction. Every frame is computed in advance and the page only swaps images
// and captions, so it scrubs instantly and works in a handout with no kernel behind it.
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { madryStepSize, pgd } from '../attacks/pgd';
import { formatEps, Norm, normSymbol } from '../attacks/threat';
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
  /** The eps values as the slider shows them ('8/255'). */
  epsText: string[];
  labels: number[];
  /** A name per class id where the data set has them (CIFAR-10), else the ids are shown. */
  classNames?: string[];
  /** Pixels of one image. */
  size: number;
  /** cells[model][eps index][image] */
  cells: Record<string, ExplorerCell[][]>;
}

/** PGD examples at every eps of the grid for every model, with predictions: the explorer's data. */
export async function explorerFrames(models: Record<string, Classifier>, x: tf.Tensor4D, y: tf.Tensor1D,
  opts: { threat: Norm; epsList: number[]; steps: number; seed?: number; classNames?: string[] }): Promise<ExplorerFrames> {
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
  return { threat: opts.threat, epsList: opts.epsList, epsText: opts.epsList.map(formatEps), labels: Array.from(y.dataSync()), classNames: opts.classNames, size: x.shape[2], cells };
}

/** The explorer as one self-contained HTML fragment (a range input and a short script). */
export function explorerHtml(frames: ExplorerFrames, opts: { title?: string; initial?: number } = {}): string {
  const json = JSON.stringify(frames).replace(/</g, '\\u003c');
  const id = `explorer-${crypto.createHash('sha1').update(json).digest('hex').slice(0, 12)}`;
  const initial = opts.initial ?? 0;
  const norm = normSymbol(frames.threat);
  // MNIST's 28-pixel digits at 3x; CIFAR-10's 32-pixel photos at 2.5x, so that eight fit a handout's width.
  const px = frames.size >= 32 ? Math.round(2.5 * frames.size) : 3 * frames.size;
  const name = (c: number) => frames.classNames?.[c] ?? String(c);
  const rows = Object.keys(frames.cells).map((name, m) => `<tr><th style="text-align:right;padding-right:8px">${name}</th>${frames.labels.map((_, d) =>
    `<td style="text-align:center;vertical-align:top;padding:2px 4px;width:${px + 8}px"><img data-m="${m}" data-d="${d}" width="${px}" height="${px}" style="image-rendering:pixelated;display:block;margin:auto;max-width:none"><div class="at-odds-pred" data-m="${m}" data-d="${d}" style="font:11px sans-serif;white-space:nowrap"></div></td>`).join('')}</tr>`).join('\n');
  return `<div class="at-odds-explorer" id="${id}" style="max-width:900px">
<div style="font:bold 14px sans-serif;margin:4px 0">${opts.title ?? `${norm} PGD against each model`}</div>
<label style="font:13px sans-serif">${norm} ε = <span class="at-odds-eps"></span>
<input type="range" min="0" max="${frames.epsList.length - 1}" step="1" value="${initial}" style="width:320px;vertical-align:middle"></label>
<table style="border-collapse:collapse;margin-top:6px"><tr><th></th>${frames.labels.map((l) => `<th style="font:12px sans-serif;white-space:nowrap">label ${name(l)}</th>`).join('')}</tr>
${rows}</table>
<script>(function () {
  var f = ${json};
  // This script's own explorer (it sits inside it), even where the same explorer is open twice.
  var root = (document.currentScript && document.currentScript.closest('.at-odds-explorer')) || document.getElementById('${id}');
  var names = Object.keys(f.cells);
  function show(k) {
    root.querySelector('.at-odds-eps').textContent = f.epsText[k];
    root.querySelectorAll('img').forEach(function (img) {
      img.src = f.cells[names[+img.dataset.m]][k][+img.dataset.d].src;
    });
    root.querySelectorAll('.at-odds-pred').forEach(function (div) {
      var c = f.cells[names[+div.dataset.m]][k][+div.dataset.d];
      var pct = Math.round(100 * c.confidence) + '%';
      div.textContent = f.classNames ? f.classNames[c.predicted] + ' ' + pct : c.predicted + ' (' + pct + ')';
      div.style.color = c.correct ? '#1a7f37' : '#cf222e';
    });
  }
  var input = root.querySelector('input');
  input.addEventListener('input', function () { show(+input.value); });
  show(+input.value);
})();</script>
</div>`;
}
