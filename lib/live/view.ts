// What the explorer shows of an attack: a row of adversarial images per model with its predictions,
// and, for the image in focus, its perturbation, its loss gradient and every class's probability.
import type { ModelResult } from './attack';
import { NEGATIVE_RGB, POSITIVE_RGB } from '../figures/gradients';

/**
 * Class bars in the Okabe-Ito palette, told apart without red-green vision and each also named in words
 * beside its bar: the label blue, the prediction vermillion, the target reddish purple, the rest grey.
 */
export const BAR_COLOURS = { label: '#0072b2', prediction: '#d55e00', target: '#cc79a7', other: '#8c959f' };

const css = (rgb: readonly number[]) => `rgb(${rgb.map((v) => Math.round(255 * v)).join(',')})`;

/** The sign of a perturbation or a gradient, as the detail's pictures colour it: a legend in colour and words. */
export function signLegend(grey: boolean): HTMLElement {
  const legend = el('div', 'display:flex;align-items:center;gap:6px;font-size:12px;color:#444;flex-basis:100%');
  legend.className = 'ao-legend';
  const swatch = (rgb: readonly number[]) => el('span', `display:inline-block;width:14px;height:14px;border:1px solid #666;background:${css(rgb)}`);
  if (grey) {
    legend.append(swatch(POSITIVE_RGB), 'orange: brighter (perturbation), raises the loss (gradient);', swatch([1, 1, 1]), 'white: no change;',
      swatch(NEGATIVE_RGB), 'blue: darker, lowers the loss');
  } else {
    legend.append(swatch([0.5, 0.5, 0.5]), 'mid-grey: no change; each colour channel brighter or darker than grey by the sign of its change');
  }
  return legend;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, style = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (style) e.style.cssText = style;
  if (text) e.textContent = text;
  return e;
}

export function argMax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** An attacked image: a test image by index, or the student's drawing (labelled by the first model). */
export interface Column { index: number; label: number; drawn: boolean }

export interface View {
  className: (k: number) => string;
  /** Whether the classes have names (CIFAR-10) or are digits. */
  named: boolean;
  classes: number;
  channels: number;
  target: number | null;
  /** The column shown in detail. */
  focus: number;
  /** Pixels of an image in the grid, and in the detail. */
  px: number;
  big: number;
  onFocus: (column: number) => void;
}

export function renderGrid(grid: HTMLTableElement, results: ModelResult[], columns: Column[], v: View): void {
  grid.replaceChildren();
  const head = el('tr');
  head.append(el('th'));
  for (const col of columns) {
    head.append(el('th', 'font:12px sans-serif;white-space:nowrap', col.drawn ? `yours (${v.className(col.label)}?)` : `label ${v.className(col.label)}`));
  }
  grid.append(head);
  results.forEach((r, m) => {
    const row = el('tr');
    row.append(el('th', 'text-align:right;padding-right:8px;font:12px sans-serif', r.name));
    columns.forEach((col, d) => {
      const td = el('td', `text-align:center;vertical-align:top;padding:2px 4px;width:${v.px + 8}px`);
      const img = el('img', `image-rendering:pixelated;display:block;margin:auto;max-width:none;cursor:pointer;outline:${d === v.focus ? '2px solid #0969da' : 'none'}`);
      img.className = 'at-odds-adv';
      img.width = img.height = v.px;
      img.src = r.advUrls[d];
      img.dataset.m = String(m);
      img.dataset.d = String(d);
      img.title = 'click (or Enter) for the perturbation, the gradient and every class\'s probability';
      const p = r.probs.subarray(d * v.classes, (d + 1) * v.classes);
      const pred = argMax(p);
      const said = v.named ? `${v.className(pred)} ${Math.round(100 * p[pred])}%` : `${pred} (${Math.round(100 * p[pred])}%)`;
      // Right or wrong in a mark as well as in colour (WCAG 1.4.1).
      const mark = col.drawn ? '' : pred === col.label ? '✓ ' : '✗ ';
      img.alt = `${r.name}, ${col.drawn ? 'your digit' : `test image ${col.index} (label ${v.className(col.label)})`} attacked: predicted ${said}${col.drawn ? '' : pred === col.label ? ', right' : ', wrong'}`;
      // A button for the keyboard too: Tab to it, Enter or Space shows its detail.
      img.tabIndex = 0;
      img.setAttribute('role', 'button');
      img.addEventListener('click', () => v.onFocus(d));
      img.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); v.onFocus(d); } });
      const text = el('div', `font:11px sans-serif;white-space:nowrap;color:${col.drawn ? '#57606a' : pred === col.label ? '#1a7f37' : '#cf222e'}`, `${mark}${said}`);
      text.className = 'at-odds-pred';
      td.append(img, text);
      row.append(td);
    });
    grid.append(row);
  });
}

export function renderDetail(detail: HTMLElement, results: ModelResult[], columns: Column[], v: View): void {
  const d = v.focus;
  const col = columns[d];
  if (!col) return;
  detail.replaceChildren();
  results.forEach((r) => {
    const box = el('div', 'font:12px sans-serif');
    box.append(el('div', 'font-weight:bold;margin-bottom:3px', `${r.name}, ${col.drawn ? 'your digit' : `test image ${col.index}`}`));
    const pics = el('div', 'display:flex;gap:6px');
    for (const [title, url] of [['adversarial', r.advUrls[d]], ['perturbation', r.deltaUrls[d]], ['loss gradient', r.gradUrls[d]]]) {
      const f = el('figure', 'margin:0;text-align:center');
      const img = el('img', `image-rendering:pixelated;width:${v.big}px;height:${v.big}px;display:block`);
      img.src = url;
      img.alt = `${title} of ${col.drawn ? 'your digit' : `test image ${col.index}`} against ${r.name}`;
      f.append(img, el('figcaption', 'font-size:11px;color:#555', title));
      pics.append(f);
    }
    box.append(pics);
    const p = r.probs.subarray(d * v.classes, (d + 1) * v.classes);
    const pred = argMax(p);
    const bars = el('div', 'margin-top:4px');
    for (let j = 0; j < v.classes; j++) {
      const row = el('div', 'display:flex;align-items:center;gap:4px;height:15px');
      const roles = [...(j === col.label && !col.drawn ? ['label'] : []), ...(j === pred ? ['prediction'] : []), ...(j === v.target ? ['target'] : [])];
      const colour = j === col.label && !col.drawn ? BAR_COLOURS.label : j === v.target ? BAR_COLOURS.target : j === pred ? BAR_COLOURS.prediction : BAR_COLOURS.other;
      row.append(el('span', `width:70px;text-align:right;${j === pred ? 'font-weight:bold' : ''}`, v.className(j)));
      const bar = el('span', `display:inline-block;height:10px;width:${Math.max(1, Math.round(160 * p[j]))}px;background:${colour}`);
      bar.className = 'ao-bar';
      row.append(bar, el('span', 'color:#555', `${(100 * p[j]).toFixed(1)}%${roles.length ? ` (${roles.join(', ')})` : ''}`));
      bars.append(row);
    }
    box.append(bars);
    detail.append(box);
  });
  const grey = v.channels === 1;
  detail.append(signLegend(grey), el('div', 'font-size:11px;color:#555;flex-basis:100%',
    `perturbation amplified to full colour; gradient of the loss${v.target == null ? '' : ' towards the target'} at the adversarial image, scaled by 3 standard deviations; bars: blue the label, vermillion the prediction${v.target == null ? '' : ', purple the target'} (each also named beside its bar)`));
}
