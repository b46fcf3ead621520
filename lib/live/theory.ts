// A live figure of Section 2 in the page: p, d, eta and eps are sliders, and the figure is recomputed
// from the closed forms (lib/theory, compiled for the page) at every move. The Monte Carlo points stay
// as the kernel computed them, at the parameters they were sampled at.
import { describeFigure, figureTableHtml } from '../figures/describe';
import { theoryFigure, LiveTheoryData } from '../figures/theory';
import { figureSpec } from '../figures/spec';
import type { TheoryParams } from '../theory/params';

interface PlotlyApi {
  react(div: HTMLElement, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
  Plots: { resize(div: HTMLElement): void };
}

interface Slider { name: keyof TheoryParams | 'eps'; label: string; min: number; max: number; step: number; show: (v: number) => string; words: string; say: (v: number) => string }

export function theory(root: HTMLElement, data: LiveTheoryData, plotly: PlotlyApi): void {
  const params: TheoryParams = { ...data.params };
  let epsInEta = data.epsInEta;
  // d moves on a log scale: 1 to 10,000 weak features.
  const sliders: Slider[] = [
    // words: the slider's name for a screen reader; say: its value in words ("p 0.95", "d 100").
    { name: 'p', label: 'p', min: 0.5, max: 0.995, step: 0.005, show: (v) => v.toFixed(3), words: 'p, how often the robust feature agrees with the label', say: (v) => `p ${+v.toFixed(3)}` },
    { name: 'd', label: 'd', min: 0, max: 4, step: 0.01, show: (v) => String(Math.round(10 ** v)), words: 'd, the number of weak features (log scale)', say: (v) => `d ${Math.round(10 ** v)}` },
    { name: 'eta', label: 'η', min: 0.002, max: 0.5, step: 0.001, show: (v) => v.toFixed(3), words: 'eta, the weak features\' mean', say: (v) => `eta ${+v.toFixed(3)}` },
    ...(data.kind === 'accuracy' ? [] : [{ name: 'eps' as const, label: 'ε / η', min: 0, max: 3, step: 0.01, show: (v: number) => v.toFixed(2), words: 'epsilon, in units of eta', say: (v: number) => `epsilon ${+v.toFixed(2)} eta` }]),
  ];
  const controls = document.createElement('div');
  controls.className = 'ao-theory-controls';
  controls.style.cssText = 'display:flex;flex-wrap:wrap;gap:4px 18px;font:13px sans-serif;margin:4px 0';
  const div = document.createElement('div');
  div.style.cssText = 'width:100%;max-width:900px';
  // A <figure> labelled with what it shows (a screen reader's and the tagged PDF's alternative); plotly's
  // SVG inside is hidden from both.
  const figure = document.createElement('figure');
  figure.style.margin = '0';
  figure.append(div);
  let done = 0;
  let frame = 0;
  const draw = () => {
    frame = 0;
    const fig = theoryFigure(data, params, epsInEta);
    const spec = figureSpec(fig);
    // The words and the table follow the figure (the words are a polite live region: read once a move ends).
    const words = describeFigure(fig);
    figure.setAttribute('aria-label', words);
    // The handout numbers its figures ("Figure 1.2.", lib: jupyter/run_notebook.py): the number stays.
    const alt = root.querySelector('.ao-figure-alt');
    const number = alt?.querySelector('.ao-figure-number');
    if (alt) {
      alt.textContent = words;
      if (number) alt.prepend(number, ' ');
    }
    const table = root.querySelector('.ao-figure-table');
    if (table) {
      const open = table.querySelector('details')?.open ?? false;
      table.innerHTML = figureTableHtml(fig, number ? `Data for ${number.textContent!.replace(/\.$/, '')}` : undefined);
      if (open) table.querySelector('details')?.setAttribute('open', '');
    }
    void plotly.react(div, spec.data, spec.layout, spec.config).then(() => {
      div.querySelectorAll('svg.main-svg').forEach((svg) => svg.setAttribute('aria-hidden', 'true'));
      root.dataset.done = String(++done);
      root.dataset.state = 'ready';
    });
  };
  for (const s of sliders) {
    const value = s.name === 'eps' ? epsInEta : s.name === 'd' ? Math.log10(params.d) : params[s.name];
    const label = document.createElement('label');
    const text = document.createElement('span');
    text.style.cssText = 'display:inline-block;min-width:44px;font-weight:bold';
    const input = document.createElement('input');
    input.type = 'range';
    input.className = `ao-${s.name}`;
    Object.assign(input, { min: String(s.min), max: String(s.max), step: String(s.step) });
    input.value = String(value);
    input.style.cssText = 'width:150px;vertical-align:middle';
    text.textContent = s.show(+input.value);
    input.setAttribute('aria-label', s.words);
    input.setAttribute('aria-valuetext', s.say(+input.value));
    input.addEventListener('input', () => {
      const v = +input.value;
      text.textContent = s.show(v);
      input.setAttribute('aria-valuetext', s.say(v));
      if (s.name === 'eps') epsInEta = v;
      else if (s.name === 'd') params.d = Math.round(10 ** v);
      else params[s.name] = v;
      // One redraw per frame however fast the slider moves.
      if (!frame) frame = requestAnimationFrame(draw);
    });
    label.append(`${s.label} = `, text, input);
    controls.append(label);
  }
  root.querySelector('.ao-theory-placeholder')?.remove();
  // The picture drawn in Node gives way to the live figure (it stays where no script runs).
  const still = root.querySelector<HTMLElement>('.ao-theory-static');
  if (still) still.style.display = 'none';
  // Controls and figure above its words and table (which the page keeps up to date).
  const words = root.querySelector('.ao-figure-alt');
  if (words) { root.insertBefore(controls, words); root.insertBefore(figure, words); } else root.append(controls, figure);
  draw();
  // JupyterLab resizes its panels without a window resize, which is all plotly's `responsive` hears.
  let width = 0;
  new ResizeObserver(() => {
    if (div.clientWidth !== width && div.querySelector('.main-svg')) plotly.Plots.resize(div);
    width = div.clientWidth;
  }).observe(div);
}
