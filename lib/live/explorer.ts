// The live epsilon explorer, in the page: the student moves eps, the norm, the steps or the target,
// picks test images or draws a digit, and PGD runs in the browser, in TensorFlow.js, with the library's
// own attack (lib/attacks/pgd.ts) and layers (lib/models), in Web Workers (lib/live/attack.ts) while this
// thread draws. Node drew the starting state as a picture
// (lib/plots/explorer.ts), which stays for the PDF and for a page whose scripts do not run.
import { attackSpec } from '../attacks/spec';
import { Norm, normSymbol } from '../attacks/threat';
import { className as classLabel } from '../figures/classes';
import { ModelResult, startAttacker } from './attack';
import type { LiveExplorerData } from './data';
import { drawPad, DrawPad } from './draw';
import { dataUrls } from './images';
import { argMax, Column, el, renderDetail, renderGrid, View } from './view';
import { unpack } from './unpack';

const STEPS = [1, 5, 10, 20, 40, 100];
const MAX_COLUMNS = 8;

interface State { norm: Norm; eps: number; steps: number; target: number | null; selected: number[]; focus: number }

/** What the page computed last: what tests compare with Node, and what the benchmark times. */
export interface LiveResult {
  norm: Norm; eps: number; steps: number; target: number | null;
  /** Test-image indices of the columns; -1 for the drawn digit. */
  columns: number[];
  labels: number[];
  backend: string;
  /** Web Workers that computed it; 0: the page's own thread. */
  workers: number;
  /** PGD against every model, with predictions and gradients, in milliseconds. */
  ms: number;
  models: { name: string; predictions: number[]; confidences: number[]; adversarial: number[] }[];
}

export async function explorer(root: HTMLElement, data: LiveExplorerData): Promise<void> {
  const say = (text: string) => root.querySelectorAll<HTMLElement>('.ao-status').forEach((s) => { s.textContent = text; });
  // TensorFlow.js, the models and PGD run in Web Workers (lib/live/attack.ts): this thread only draws.
  const attacker = await startAttacker(data);
  const backend = attacker.workers ? `${attacker.backend}, ${attacker.workers} worker${attacker.workers > 1 ? 's' : ''}` : attacker.backend;
  const [, h, w, c] = data.images.shape;
  const pixels = await unpack(data.images.pixels);
  const imageSize = h * w * c;
  const thumbs = dataUrls(pixels, data.images.shape);
  const className = (k: number) => classLabel(k, data.classNames);
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
  // Screen readers hear the slider's name and its value in words ("epsilon 8/255"), not "0.0314"; a native
  // range input already moves by arrows, Page Up/Down, Home and End.
  slider.setAttribute('aria-label', 'epsilon, the attack\'s budget');
  controls.append(label('norm ', normSelect), epsControl, label('PGD steps ', stepsSelect), label('target ', targetSelect));
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
    img.alt = `test image ${i}, label ${className(data.labels[i])}`;
    img.className = 'ao-thumb';
    // A toggle button from the keyboard as well: Tab to it, Enter or Space adds or removes it.
    img.tabIndex = 0;
    img.setAttribute('role', 'button');
    img.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); img.click(); } });
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
  stripBox.append(el('div', 'font-size:12px;margin-bottom:2px', `test images: click (or Tab to one and press Enter) to choose which to attack (up to ${MAX_COLUMNS})${data.canDraw ? '. Without a mouse or a touch screen, pick a test digit here instead of drawing one' : ''}`), strip);
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
  // What changed, in one sentence that a screen reader announces after each attack (and anyone can read).
  const announce = el('div', 'font-size:12px;margin:2px 0;color:#222');
  announce.className = 'ao-announce';
  announce.setAttribute('role', 'status');
  announce.setAttribute('aria-live', 'polite');
  live.append(controls, statusLine, announce, info, pick, grid, detail);

  const setRange = () => {
    const r = data.ranges[state.norm];
    slider.min = '0';
    slider.max = String(r.max);
    slider.step = String(r.step);
    state.eps = Math.min(state.eps, r.max);
    slider.value = String(state.eps);
    slider.setAttribute('aria-valuetext', `epsilon ${epsText(state.eps)}`);
    normSym.textContent = normSymbol(state.norm);
  };
  setRange();
  slider.addEventListener('input', () => {
    state.eps = +slider.value;
    epsLabel.textContent = epsText(state.eps);
    slider.setAttribute('aria-valuetext', `epsilon ${epsText(state.eps)}`);
    schedule();
  });
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
  let columns: Column[] = [];
  let run = 0;

  /** Runs the attack for the current state; a newer call makes an older one stop at its next slice. */
  async function compute(): Promise<void> {
    const mine = ++run;
    root.dataset.state = 'busy';
    say(`attacking: ${normSymbol(state.norm)} PGD-${state.steps} at ε = ${epsText(state.eps)}…`);
    const drawn = pad?.pixels() ?? null;
    const cols = [...(drawn ? [-1] : []), ...state.selected];
    const x = new Float32Array(cols.length * imageSize);
    cols.forEach((i, k) => {
      if (i < 0) x.set(drawn!, k * imageSize);
      else for (let p = 0; p < imageSize; p++) x[k * imageSize + p] = pixels[i * imageSize + p] / 255;
    });
    // A drawn digit has no label: it is what the first model says of it, clean.
    const drawnLabel = drawn ? (await attacker.classify(drawn, [1, h, w, c]))[0] : -1;
    const labels = cols.map((i) => (i < 0 ? drawnLabel : data.labels[i]));
    const started = performance.now();
    const out = await attacker.attack(x, [cols.length, h, w, c], labels, { norm: state.norm, eps: state.eps, steps: state.steps, target: state.target }, () => mine !== run);
    if (!out) return;
    const ms = performance.now() - started;
    results = out;
    columns = cols.map((index, k) => ({ index, label: labels[k], drawn: index < 0 }));
    render();
    const k = classes;
    lastResult = {
      norm: state.norm, eps: state.eps, steps: state.steps, target: state.target, columns: cols, labels, backend: attacker.backend, workers: attacker.workers, ms,
      models: out.map((r) => ({
        name: r.name,
        predictions: cols.map((_, i) => argMax(r.probs.subarray(i * k, (i + 1) * k))),
        confidences: cols.map((_, i) => Math.max(...r.probs.subarray(i * k, (i + 1) * k))),
        adversarial: Array.from(r.adversarial),
      })),
    };
    announce.textContent = describeResult(lastResult);
    root.dataset.ms = ms.toFixed(1);
    root.dataset.done = String(++done);
    root.dataset.state = 'ready';
    say(state.eps === 0
      ? `clean images, computed in your browser (${backend})`
      : `${normSymbol(state.norm)} PGD-${state.steps}, step ${epsText(attackSpec({ threat: state.norm, eps: state.eps, steps: state.steps }).stepSize)}, no random start${state.target == null ? '' : `, towards ${className(state.target)}`}: ${Math.round(ms)} ms for ${data.models.length} models in your browser (${backend})`);
  }

  /** "at epsilon 0.3, standard network right on 0 of 8, robust network right on 6 of 8" (the drawn digit has no label to be right on). */
  function describeResult(r: LiveResult): string {
    const labelled = r.columns.map((i, k) => (i < 0 ? -1 : k)).filter((k) => k >= 0);
    const how = `${r.norm === 'linf' ? '' : `${normSymbol(r.norm)} `}epsilon ${epsText(r.eps)}${r.steps === data.initial.steps ? '' : `, PGD-${r.steps}`}${r.target == null ? '' : `, towards ${className(r.target)}`}`;
    const right = r.models.map((m) => `${m.name} network right on ${labelled.filter((k) => m.predictions[k] === r.labels[k]).length} of ${labelled.length}`);
    const drawnSaid = r.columns[0] === -1 ? `; your digit read as ${r.models.map((m) => `${className(m.predictions[0])} by ${m.name}`).join(', ')}` : '';
    return `at ${how}, ${right.join(', ')}${drawnSaid}`;
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

  function render(): void {
    thumbImgs.forEach((img, i) => { img.style.borderColor = state.selected.includes(i) ? '#0969da' : 'transparent'; });
    const view: View = {
      className, named: Boolean(data.classNames), classes, channels: c, target: state.target, focus: state.focus,
      px: Math.round(scale * w), big: Math.round(4 * 28 * (h >= 32 ? 0.8 : 1)),
      onFocus: (d) => { state.focus = d; render(); },
    };
    renderGrid(grid, results, columns, view);
    renderDetail(detail, results, columns, view);
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
