// A plotly figure as a static SVG, drawn in Node without a browser: the picture a live figure carries of
// its starting state, which stays where no script runs (an untrusted notebook, a viewer such as GitHub's)
// and is replaced by the live figure where one does. It draws what the theory chapter's figures use, on
// one pair of axes: lines (solid, dotted, dashed), markers (circles, diamonds, a Viridis colour scale),
// fills to zero, error bars, vertical line shapes with labels, axis ranges and titles, a two-line title
// and the legend below the plot.
import { Figure, figureSpec } from '../figures/spec';
import { escapeHtml as esc } from './html';

type Obj = Record<string, any>;

const COLORWAY = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES: Record<string, string> = { dot: '3,3', dash: '9,9', longdash: '15,15', dashdot: '9,3,3,3', longdashdot: '15,5,3,5' };
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

const r1 = (v: number) => Math.round(v * 10) / 10;
/** Plotly's markup in titles: <br> breaks a line, other tags go, entities stay as text. */
const lines = (text: string) => text.split(/<br\s*\/?>/i).map((l) => ({
  text: l.replace(/<[^>]*>/g, ''),
  size: +(l.match(/font-size:\s*(\d+)px/)?.[1] ?? 0) || undefined,
}));
/** A width for laying out the legend: SVG text cannot be measured in Node, and an estimate is enough. */
const textWidth = (t: string, size: number) => t.length * size * 0.56;

function hexRgb(c: string): [number, number, number] {
  const n = parseInt(c.slice(1), 16);
  return [n >> 16, (n >> 8) & 255, n & 255];
}

function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const [a, b] = [hexRgb(VIRIDIS[i]), hexRgb(VIRIDIS[i + 1])];
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * (x - i))).join(',')})`;
}

/** Tick values at 1, 2 or 5 times a power of ten, about `count` of them between lo and hi. */
function ticks(lo: number, hi: number, count: number): { values: number[]; digits: number } {
  const raw = (hi - lo) / Math.max(2, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const values: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { values, digits: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

interface Axis { lo: number; hi: number; px: (v: number) => number }

function axis(spec: Obj | undefined, values: number[], from: number, to: number, pad: boolean): Axis {
  let [lo, hi] = Array.isArray(spec?.range) ? spec!.range as number[] : [Math.min(...values), Math.max(...values)];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  else if (pad && !Array.isArray(spec?.range)) [lo, hi] = [lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)];
  return { lo, hi, px: (v) => from + ((v - lo) / (hi - lo)) * (to - from) };
}

const finite = (vs: unknown): number[] => (Array.isArray(vs) ? vs : Array.from((vs ?? []) as ArrayLike<number>)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

function marker(symbol: string | undefined, x: number, y: number, size: number, fill: string): string {
  const h = size / 2;
  if (symbol === 'diamond') return `<path d="M${r1(x)},${r1(y - h * 1.3)}L${r1(x + h * 1.3)},${r1(y)}L${r1(x)},${r1(y + h * 1.3)}L${r1(x - h * 1.3)},${r1(y)}Z" fill="${fill}"/>`;
  return `<circle cx="${r1(x)}" cy="${r1(y)}" r="${r1(h)}" fill="${fill}"/>`;
}

/** The figure as an SVG document `width` pixels wide, at the height its layout asks for. */
export function figureSvg(fig: Figure, width = 900): string {
  const { data, layout } = figureSpec(fig);
  const L = layout as Obj;
  const height: number = L.height ?? 420;
  const m = { l: 60, r: 20, t: 50, b: 50, ...L.margin };
  const font = { family: 'Helvetica, Arial, sans-serif', size: 13, ...L.font };
  const [x0, x1, y0, y1] = [m.l, width - m.r, m.t, height - m.b];
  const traces = data as Obj[];
  const shapes = (L.shapes ?? []) as Obj[];
  const colour = (t: Obj, i: number): string => t.line?.color ?? (typeof t.marker?.color === 'string' ? t.marker.color : COLORWAY[i % COLORWAY.length]);
  const hasMarkers = traces.some((t) => String(t.mode ?? 'lines+markers').includes('markers'));

  const xs = traces.flatMap((t) => finite(t.x)).concat(shapes.filter((s) => (s.xref ?? 'x') === 'x').flatMap((s) => finite([s.x0, s.x1])));
  const ys = traces.flatMap((t) => {
    const y = finite(t.y);
    const err = t.error_y?.visible !== false && t.error_y?.array ? finite(t.error_y.array) : [];
    // Asymmetric bars (a Wilson interval) give the length below the point in arrayminus.
    const below = t.error_y?.visible !== false && t.error_y?.arrayminus ? finite(t.error_y.arrayminus) : err;
    return [...y, ...y.map((v, i) => v + (err[i] ?? 0)), ...y.map((v, i) => v - (below[i] ?? 0)), ...(String(t.fill ?? '').includes('tozeroy') ? [0] : [])];
  });
  const X = axis(L.xaxis, xs, x0, x1, hasMarkers);
  const Y = axis(L.yaxis, ys, y1, y0, true);
  const text = (x: number, y: number, t: string, opts: { size?: number; anchor?: string; fill?: string; rotate?: boolean; weight?: string } = {}) =>
    `<text x="${r1(x)}" y="${r1(y)}"${opts.anchor ? ` text-anchor="${opts.anchor}"` : ''}${opts.size ? ` font-size="${opts.size}"` : ''}${opts.fill ? ` fill="${opts.fill}"` : ''}${opts.weight ? ` font-weight="${opts.weight}"` : ''}${opts.rotate ? ` transform="rotate(-90 ${r1(x)} ${r1(y)})"` : ''}>${esc(t)}</text>`;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(font.family)}" font-size="${font.size}" fill="#444">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<defs><clipPath id="plot"><rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}"/></clipPath></defs>`);

  // Grid and tick labels.
  const xt = ticks(X.lo, X.hi, (x1 - x0) / 90);
  const yt = ticks(Y.lo, Y.hi, (y1 - y0) / 55);
  for (const v of xt.values) {
    out.push(`<line x1="${r1(X.px(v))}" x2="${r1(X.px(v))}" y1="${y0}" y2="${y1}" stroke="${v === 0 ? '#444' : '#eee'}"/>`);
    out.push(text(X.px(v), y1 + 17, v.toFixed(xt.digits), { anchor: 'middle', size: 12 }));
  }
  for (const v of yt.values) {
    out.push(`<line x1="${x0}" x2="${x1}" y1="${r1(Y.px(v))}" y2="${r1(Y.px(v))}" stroke="${v === 0 ? '#444' : '#eee'}"/>`);
    out.push(text(x0 - 6, Y.px(v) + 4, v.toFixed(yt.digits), { anchor: 'end', size: 12 }));
  }

  // Traces: fills first, then lines, error bars and markers, in the figure's order.
  out.push('<g clip-path="url(#plot)">');
  traces.forEach((t, i) => {
    const c = colour(t, i);
    const tx = Array.from((t.x ?? []) as ArrayLike<number>);
    const ty = Array.from((t.y ?? []) as ArrayLike<number>);
    const pts = tx.map((x, k) => [X.px(x), Y.px(ty[k])]).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    const mode = String(t.mode ?? (pts.length > 20 ? 'lines' : 'lines+markers'));
    const path = pts.map(([a, b], k) => `${k ? 'L' : 'M'}${r1(a)},${r1(b)}`).join('');
    if (String(t.fill ?? '').includes('tozeroy') && pts.length) {
      const fill = t.fillcolor ?? `rgba(${hexRgb(c.startsWith('#') ? c : '#1f77b4').join(',')},0.5)`;
      out.push(`<path d="${path}L${r1(pts[pts.length - 1][0])},${r1(Y.px(0))}L${r1(pts[0][0])},${r1(Y.px(0))}Z" fill="${fill}" stroke="none"/>`);
    }
    if (mode.includes('lines') && pts.length > 1) {
      const dash = DASHES[t.line?.dash as string];
      out.push(`<path d="${path}" fill="none" stroke="${c}" stroke-width="${t.line?.width ?? 2}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
    const err = t.error_y?.visible !== false && t.error_y?.array ? Array.from(t.error_y.array as ArrayLike<number>) : null;
    const below = err && t.error_y?.arrayminus ? Array.from(t.error_y.arrayminus as ArrayLike<number>) : err;
    if (err && below) {
      tx.forEach((x, k) => {
        const [a, lo, hi] = [X.px(x), Y.px(ty[k] - below[k]), Y.px(ty[k] + err[k])];
        out.push(`<path d="M${r1(a)},${r1(lo)}L${r1(a)},${r1(hi)}M${r1(a - 4)},${r1(lo)}L${r1(a + 4)},${r1(lo)}M${r1(a - 4)},${r1(hi)}L${r1(a + 4)},${r1(hi)}" stroke="${c}" fill="none"/>`);
      });
    }
    if (mode.includes('markers')) {
      const mc = t.marker?.color;
      const scale = Array.isArray(mc) ? finite(mc) : null;
      const [cmin, cmax] = scale ? [Math.min(...scale), Math.max(...scale)] : [0, 1];
      pts.forEach(([a, b], k) => {
        const fill = scale ? (t.marker?.colorscale === 'Viridis' ? viridis((scale[k] - cmin) / (cmax - cmin || 1)) : c) : (typeof mc === 'string' ? mc : c);
        out.push(marker(t.marker?.symbol, a, b, t.marker?.size ?? 6, fill));
      });
    }
  });
  out.push('</g>');

  // Shapes: the vertical lines the theory figures mark eta and 2 eta with, and their labels.
  for (const s of shapes) {
    if (s.type !== 'line') continue;
    const px = (v: number, ref: string | undefined, a: Axis, from: number, to: number) => (ref === 'paper' ? from + v * (to - from) : a.px(v));
    const [ax, bx] = [px(s.x0, s.xref, X, x0, x1), px(s.x1, s.xref, X, x0, x1)];
    const [ay, by] = [px(s.y0, s.yref, Y, y1, y0), px(s.y1, s.yref, Y, y1, y0)];
    const dash = DASHES[s.line?.dash as string];
    out.push(`<line x1="${r1(ax)}" y1="${r1(ay)}" x2="${r1(bx)}" y2="${r1(by)}" stroke="${s.line?.color ?? '#444'}" stroke-width="${s.line?.width ?? 2}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    if (s.label?.text) out.push(text((ax + bx) / 2 - 4, (ay + by) / 2, s.label.text, { anchor: 'middle', size: 12, rotate: Math.abs(ax - bx) < 1 }));
  }

  // Title (plotly's <br> and font-size spans), axis titles.
  const title = lines(String(L.title?.text ?? ''));
  const tx = (L.title?.x ?? 0.5) * width;
  const anchor = L.title?.xanchor === 'left' ? 'start' : L.title?.xanchor === 'right' ? 'end' : 'middle';
  let ty = Math.max(18, m.t / 2 - (title.length - 1) * 9 + 6);
  for (const l of title) {
    out.push(text(tx, ty, l.text, { anchor, size: l.size ?? font.size + 4 }));
    ty += (l.size ?? font.size + 4) + 4;
  }
  const xTitle = L.xaxis?.title?.text;
  if (xTitle) out.push(text((x0 + x1) / 2, y1 + 40, lines(xTitle)[0].text, { anchor: 'middle', size: 14 }));
  const yTitle = L.yaxis?.title?.text;
  if (yTitle) out.push(text(x0 - 45, (y0 + y1) / 2, lines(yTitle)[0].text, { anchor: 'middle', size: 14, rotate: true }));

  // The legend, in rows under the plot where the layout puts it (the theory figures' LEGEND_BELOW).
  const entries = traces.map((t, i) => ({ t, i })).filter(({ t }) => t.showlegend !== false && t.name);
  if (entries.length > 1 || entries.some(({ t }) => t.showlegend === true)) {
    const below = typeof L.legend?.y === 'number' && L.legend.y < 0 ? -L.legend.y : 0.22;
    let [lx, ly] = [x0 + (L.legend?.x ?? 0) * (x1 - x0), y1 + below * (y1 - y0) + 12];
    for (const { t, i } of entries) {
      const name = lines(String(t.name))[0].text;
      const w = 44 + textWidth(name, 12);
      if (lx + w > width - 4 && lx > x0) [lx, ly] = [x0 + (L.legend?.x ?? 0) * (x1 - x0), ly + 20];
      const c = colour(t, i);
      const mode = String(t.mode ?? 'lines');
      if (String(t.fill ?? '').includes('tozeroy')) out.push(`<rect x="${r1(lx)}" y="${r1(ly - 6)}" width="30" height="10" fill="${t.fillcolor ?? c}"/>`);
      if (mode.includes('lines')) {
        const dash = DASHES[t.line?.dash as string];
        out.push(`<line x1="${r1(lx)}" x2="${r1(lx + 30)}" y1="${r1(ly)}" y2="${r1(ly)}" stroke="${c}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      }
      if (mode.includes('markers')) out.push(marker(t.marker?.symbol, lx + 15, ly, Math.min(10, t.marker?.size ?? 6), typeof t.marker?.color === 'string' ? t.marker.color : c));
      out.push(text(lx + 36, ly + 4, name, { size: 12 }));
      lx += w;
    }
  }
  out.push('</svg>');
  return out.join('');
}
