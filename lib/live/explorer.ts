// The live epsilon explorer, in the page: the student moves eps, the norm, the steps or the target,
// picks test images or draws a digit, and PGD runs here, in TensorFlow.js, with the library's own
// attack (lib/attacks/pgd.ts) and layers (lib/models). Node drew the starting state as a picture
// (lib/plots/explorer.ts), which stays for the PDF and for a page whose scripts do not run.
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, madryStepSize, pgdSteps } from '../attacks/pgd';
import { Norm, normSymbol } from '../attacks/threat';
import { modelFromArtifacts } from '../models/artifacts';
import { logits } from '../models/classifier';
import { gradientColours, perturbationColours } from '../plots/gradients';
import { startBackend } from './backend';
import type { LiveExplorerData } from './data';
import { drawPad, DrawPad } from './draw';
import { dataUrls } from './images';
import { unpack } from './unpack';

const STEPS = [1, 5, 10, 20, 40, 100];
const MAX_COLUMNS = 8;
/** Work between two frames of the page, in milliseconds: the slider stays smooth while PGD runs. */
const SLICE_MS = 40;

interface State { norm: Norm; eps: number; steps: number; target: number | null; selected: number[]; focus: number }

/** One model's answer for the current columns. */
interface ModelResult {
  name: string;
  adversarial: Float32Array; // [k, H, W, C]
  probs: Float32Array; // [k, K]
  advUrls: string[];
  deltaUrls: string[];
  gradUrls: string[];
}

/** What the page computed last: what tests compare with Node, and what the benchmark times. */
export interface LiveResult {
  norm: Norm; eps: number; steps: number; target: number | null;
  /** Test-image indices of the columns; -1 for the drawn digit. */
  columns: number[];
  labels: number[];
  backend: string;
  /** PGD against every model, with predictions and gradients, in milliseconds. */
  ms: number;
  models: { name: string; predictions: number[]; confidences: number[]; adversarial: number[] }[];
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, style = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (style) e.style.cssText = style;
  if (text) e.textContent = text;
  return e;
}

/**
 * Lets the page handle input and draw a frame if one is due, then goes on: a message to ourselves
 * comes back at once, where waiting for the next animation frame would idle up to 16 ms a step.
 */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToPage = () => new Promise<void>((resolve) => { waiting.push(resolve); channel.port2.postMessage(0); });

export async function explorer(root: HTMLElement, data: LiveExplorerData): Promise<void> {
  const say = (text: string) => root.querySelectorAll<HTMLElement>('.ao-status').forEach((s) => { s.textContent = text; });
  const backend = await startBackend(data.wasm);
  const models = await Promise.all(data.models.map(async (m) => ({
    name: m.name,
    model: await modelFromArtifacts({ modelTopology: m.modelTopology, weightSpecs: m.weightSpecs, weightData: (await unpack(m.weights, 2)).buffer as ArrayBuffer }, `the explorer's model '${m.name}'`),
  })));
  const [, h, w, c] = data.images.shape;
  const pixels = await unpack(data.images.pixels);
  const imageSize = h * w * c;
  const thumbs = dataUrls(pixels, data.images.shape);
  const className = (k: number) => data.classNames?.[k] ?? String(k);
  const scale = h >= 32 ? 2.5 : 3;
  const epsText = (eps: number) => (data.levels && eps > 0 ? `${+(eps * 255).toFixed(2)}/255` : String(+eps.toFixed(4)));

  const state: State = { ...data.initial, focus: 0 };
  let pad: DrawPad | null = null;

  // Controls.
  const live = el('div', 'font:13px sans-serif');
  live.className = 'ao-live';
  const controls = el('div', 'display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:4px 0');
  const normSelect = el('select');
  normSelect.className = 'ao-norm';
  for (const norm of ['linf', 'l2'] as Norm[]) normSelect.append(new Option(normSymbol(norm), norm, false, norm === state.norm));
  const slider = el('input', 'width:280px;vertical-align:middle');
  slider.type = 'range';
  const epsLabel = el('span', 'display:inline-block;min-width:64px;font-weight:bold');
  epsLabel.className = 'at-odds-eps';
  const stepsSelect = el('select');
  stepsSelect.className = 'ao-steps';
  for (const s of STEPS) stepsSelect.append(new Option(String(s), String(s), false, s === state.steps));
  const targetSelect = el('select');
  targetSelect.className = 'ao-target';
  targetSelect.append(new Option('untargeted', ''));
  const classes = data.classNames?.length ?? 10;
  for (let k = 0; k < classes; k++) targetSelect.append(new Option(`towards ${className(k)}`, String(k)));
  const normSym = el('span');
  const label = (text: string, ...children: HTMLElement[]) => { const l = el('label'); l.append(text, ...children); return l; };
  const epsControl = el('label');
  epsControl.append(normSym, ' ε = ', epsLabel, slider);
  controls.append(label('norm ', normSelect), epsControl, label('PGD steps ', stepsSelect), label('', targetSelect));
  const info = el('div', 'color:#555;font-size:12px;margin:2px 0',
    'Every change runs the attack again, here in your browser: PGD from the clean image (no random start), steps of 2.5 ε / steps. Click an adversarial image for its perturbation, its gradient and every class\'s probability.');
  info.className = 'ao-info';

  // The images to attack: a strip to pick from, and on MNIST a digit to draw.
  const pick = el('div', 'display:flex;align-items:flex-start;margin:6px 0');
  const strip = el('div', 'display:flex;flex-wrap:wrap;gap:3px;max-width:640px;align-content:flex-start');
  strip.className = 'ao-strip';
  const thumbImgs = thumbs.map((src, i) => {
    const img = el('img', `width:${w * 1.5}px;height:${h * 1.5}px;image-rendering:pixelated;cursor:pointer;border:2px solid transparent`);
    img.src = src;
    img.title = `test image ${i}, label ${className(data.labels[i])}: click to attack it or to leave it out`;
    img.className = 'ao-thumb';
    img.addEventListener('click', () => {
      const at = state.selected.indexOf(i);
      if (at >= 0 && state.selected.length > 1) state.selected.splice(at, 1);
      else if (at < 0) {
        state.selected.push(i);
        if (state.selected.length > MAX_COLUMNS - (pad?.pixels() ? 1 : 0)) state.selected.shift();
      }
      state.focus = Math.min(state.focus, state.selected.length - 1);
      schedule();
    });
    return img;
  });
  strip.append(...thumbImgs);
  const stripBox = el('div');
  stripBox.append(el('div', 'font-size:12px;margin-bottom:2px', `test images: click to choose which to attack (up to ${MAX_COLUMNS})`), strip);
  if (data.canDraw) {
    pad = drawPad(() => { state.focus = 0; schedule(); });
    pick.append(pad.element);
  }
  pick.append(stripBox);

  const grid = el('table', 'border-collapse:collapse;margin-top:6px');
  grid.className = 'ao-grid';
  const detail = el('div', 'display:flex;flex-wrap:wrap;gap:18px;margin-top:8px');
  detail.className = 'ao-detail';
  const statusLine = el('div', 'font-size:12px;margin:2px 0;color:#0969da');
  statusLine.className = 'ao-status';
  live.append(controls, statusLine, info, pick, grid, detail);

  const setRange = () => {
    const r = data.ranges[state.norm];
    slider.min = '0';
    slider.max = String(r.max);
    slider.step = String(r.step);
    state.eps = Math.min(state.eps, r.max);
    slider.value = String(state.eps);
    normSym.textContent = normSymbol(state.norm);
  };
  setRange();
  slider.addEventListener('input', () => { state.eps = +slider.value; epsLabel.textContent = epsText(state.eps); schedule(); });
  normSelect.addEventListener('change', () => {
    // Keep the budget comparable: the l2 ball of radius eps*sqrt(d) holds the linf ball of radius eps.
    state.norm = normSelect.value as Norm;
    state.eps = state.norm === 'l2' ? Math.min(data.ranges.l2.max, +(state.eps * Math.sqrt(imageSize) / 4).toFixed(2)) : Math.min(data.ranges.linf.max, data.initial.eps);
    setRange();
    epsLabel.textContent = epsText(state.eps);
    schedule();
  });
  stepsSelect.addEventListener('change', () => { state.steps = +stepsSelect.value; schedule(); });
  targetSelect.addEventListener('change', () => { state.target = targetSelect.value === '' ? null : +targetSelect.value; schedule(); });
  epsLabel.textContent = epsText(state.eps);

  let results: ModelResult[] = [];
  let columns: { index: number; label: number; drawn: boolean }[] = [];
  let run = 0;

  /** Runs the attack for the current state; a newer call makes an older one stop at its next slice. */
  async function compute(): Promise<void> {
    const mine = ++run;
    root.dataset.state = 'busy';
    say(`attacking: ${normSymbol(state.norm)} PGD-${state.steps} at ε = ${epsText(state.eps)}…`);
    const drawn = pad?.pixels() ?? null;
    const cols = [...(drawn ? [-1] : []), ...state.selected];
    const x = tf.tidy(() => {
      const parts = cols.map((i) => (i < 0 ? tf.tensor4d(drawn!, [1, h, w, c]) : tf.div(tf.tensor4d(pixels.subarray(i * imageSize, (i + 1) * imageSize), [1, h, w, c], 'float32'), 255)));
      return tf.concat(parts) as tf.Tensor4D;
    });
    // A drawn digit has no label: it is what the first model says of it, clean.
    const drawnLabel = drawn ? tf.tidy(() => tf.argMax(logits(models[0].model, x.slice([0, 0, 0, 0], [1, h, w, c]) as tf.Tensor4D), -1).dataSync()[0]) : -1;
    const labels = cols.map((i) => (i < 0 ? drawnLabel : data.labels[i]));
    const y = tf.tensor1d(labels, 'int32');
    const target = state.target == null ? undefined : tf.fill([cols.length], state.target, 'int32') as tf.Tensor1D;
    const started = performance.now();
    const out: ModelResult[] = [];
    try {
      for (const { name, model } of models) {
        let xAdv: tf.Tensor4D;
        if (state.eps === 0) xAdv = tf.clone(x);
        else {
          const it = pgdSteps(model, x, y, { threat: state.norm, eps: state.eps, steps: state.steps, stepSize: madryStepSize(state.eps, state.steps), randomStart: false, target });
          let sliceStart = performance.now();
          for (;;) {
            const r = it.next();
            if (r.done) { xAdv = r.value; break; }
            if (performance.now() - sliceStart > SLICE_MS) {
              await yieldToPage();
              if (mine !== run) { it.return(tf.zeros([1, 1, 1, 1])); return; }
              sliceStart = performance.now();
            }
          }
        }
        const shown = tf.tidy(() => {
          const probs = tf.softmax(logits(model, xAdv));
          const goal = target ?? y;
          const grad = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(logits(model, xi as tf.Tensor4D), goal)))(xAdv) as tf.Tensor4D;
          return { probs, delta: perturbationColours(tf.sub(xAdv, x) as tf.Tensor4D), grad: gradientColours(grad) };
        });
        const [adversarial, probs, delta, grad] = await Promise.all([xAdv.data(), shown.probs.data(), shown.delta.data(), shown.grad.data()]) as Float32Array[];
        tf.dispose([xAdv, shown.probs, shown.delta, shown.grad]);
        if (mine !== run) return;
        out.push({ name, adversarial, probs, advUrls: dataUrls(adversarial, [cols.length, h, w, c]), deltaUrls: dataUrls(delta, [cols.length, h, w, 3]), gradUrls: dataUrls(grad, [cols.length, h, w, 3]) });
      }
    } finally {
      tf.dispose([x, y, ...(target ? [target] : [])]);
    }
    const ms = performance.now() - started;
    results = out;
    columns = cols.map((index, k) => ({ index, label: labels[k], drawn: index < 0 }));
    render();
    const k = classes;
    lastResult = {
      norm: state.norm, eps: state.eps, steps: state.steps, target: state.target, columns: cols, labels, backend, ms,
      models: out.map((r) => ({
        name: r.name,
        predictions: cols.map((_, i) => argMax(r.probs.subarray(i * k, (i + 1) * k))),
        confidences: cols.map((_, i) => Math.max(...r.probs.subarray(i * k, (i + 1) * k))),
        adversarial: Array.from(r.adversarial),
      })),
    };
    root.dataset.ms = ms.toFixed(1);
    root.dataset.done = String(++done);
    root.dataset.state = 'ready';
    say(state.eps === 0
      ? `clean images, computed in your browser (${backend})`
      : `${normSymbol(state.norm)} PGD-${state.steps}, step ${epsText(madryStepSize(state.eps, state.steps))}, no random start${state.target == null ? '' : `, towards ${className(state.target)}`}: ${Math.round(ms)} ms for ${models.length} models in your browser (${backend})`);
  }

  let lastResult: LiveResult | null = null;
  let done = 0;
  let pending = false;
  /** Computes once the page is idle: a slider dragged quickly runs only its last value. */
  function schedule(): void {
    run++; // stops the attack in progress at its next slice
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; void compute(); }, 0);
  }

  function argMax(a: ArrayLike<number>): number {
    let best = 0;
    for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
    return best;
  }

  function render(): void {
    thumbImgs.forEach((img, i) => { img.style.borderColor = state.selected.includes(i) ? '#0969da' : 'transparent'; });
    const px = Math.round(scale * w);
    const k = classes;
    grid.replaceChildren();
    const head = el('tr');
    head.append(el('th'));
    for (const col of columns) {
      head.append(el('th', 'font:12px sans-serif;white-space:nowrap', col.drawn ? `yours (${className(col.label)}?)` : `label ${className(col.label)}`));
    }
    grid.append(head);
    results.forEach((r, m) => {
      const row = el('tr');
      row.append(el('th', 'text-align:right;padding-right:8px;font:12px sans-serif', r.name));
      columns.forEach((col, d) => {
        const td = el('td', `text-align:center;vertical-align:top;padding:2px 4px;width:${px + 8}px`);
        const img = el('img', `image-rendering:pixelated;display:block;margin:auto;max-width:none;cursor:pointer;outline:${d === state.focus ? '2px solid #0969da' : 'none'}`);
        img.className = 'at-odds-adv';
        img.width = img.height = px;
        img.src = r.advUrls[d];
        img.dataset.m = String(m);
        img.dataset.d = String(d);
        img.title = 'click for the perturbation, the gradient and every class\'s probability';
        img.addEventListener('click', () => { state.focus = d; render(); });
        const p = r.probs.subarray(d * k, (d + 1) * k);
        const pred = argMax(p);
        const text = el('div', `font:11px sans-serif;white-space:nowrap;color:${col.drawn ? '#57606a' : pred === col.label ? '#1a7f37' : '#cf222e'}`,
          data.classNames ? `${className(pred)} ${Math.round(100 * p[pred])}%` : `${pred} (${Math.round(100 * p[pred])}%)`);
        text.className = 'at-odds-pred';
        td.append(img, text);
        row.append(td);
      });
      grid.append(row);
    });
    renderDetail();
  }

  function renderDetail(): void {
    const d = state.focus;
    const col = columns[d];
    if (!col) return;
    const k = classes;
    const big = Math.round(4 * 28 * (h >= 32 ? 0.8 : 1));
    detail.replaceChildren();
    results.forEach((r) => {
      const box = el('div', 'font:12px sans-serif');
      box.append(el('div', 'font-weight:bold;margin-bottom:3px', `${r.name}, ${col.drawn ? 'your digit' : `test image ${col.index}`}`));
      const pics = el('div', 'display:flex;gap:6px');
      for (const [title, url] of [['adversarial', r.advUrls[d]], ['perturbation', r.deltaUrls[d]], ['loss gradient', r.gradUrls[d]]]) {
        const f = el('figure', 'margin:0;text-align:center');
        const img = el('img', `image-rendering:pixelated;width:${big}px;height:${big}px;display:block`);
        img.src = url;
        f.append(img, el('figcaption', 'font-size:11px;color:#555', title));
        pics.append(f);
      }
      box.append(pics);
      const p = r.probs.subarray(d * k, (d + 1) * k);
      const pred = argMax(p);
      const bars = el('div', 'margin-top:4px');
      for (let j = 0; j < k; j++) {
        const row = el('div', 'display:flex;align-items:center;gap:4px;height:15px');
        const colour = j === col.label ? '#1a7f37' : j === state.target ? '#bf8700' : j === pred ? '#cf222e' : '#8c959f';
        row.append(el('span', `width:70px;text-align:right;${j === pred ? 'font-weight:bold' : ''}`, className(j)));
        const bar = el('span', `display:inline-block;height:10px;width:${Math.max(1, Math.round(160 * p[j]))}px;background:${colour}`);
        bar.className = 'ao-bar';
        row.append(bar, el('span', 'color:#555', `${(100 * p[j]).toFixed(1)}%`));
        bars.append(row);
      }
      box.append(bars);
      detail.append(box);
    });
    const legend = el('div', 'font-size:11px;color:#555;flex-basis:100%',
      `perturbation amplified to full colour${c === 1 ? ' (red brighter, blue darker)' : ' (grey: no change)'}; gradient of the loss${state.target == null ? '' : ' towards the target'} at the adversarial image, scaled by 3 standard deviations${c === 1 ? ' (red raises it, blue lowers it)' : ''}; bars: green the label, red the prediction${state.target == null ? '' : ', amber the target'}`);
    detail.append(legend);
  }

  await compute();
  // The live explorer replaces the picture Node drew, now that it shows the same state computed here.
  root.querySelectorAll(':scope > .ao-static, :scope > .ao-status').forEach((e) => e.classList.add('ao-replaced'));
  root.append(live);
  (root as HTMLElement & { atOddsExplorer?: unknown }).atOddsExplorer = {
    last: () => lastResult,
    draw: (points: [number, number][]) => pad?.stroke(points),
    clearDrawing: () => pad?.clear(),
  };
}
