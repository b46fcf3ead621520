// What a plot shows, in words and as a table, from the figure's own data: its text alternative (WCAG
// 1.1.1: what is plotted against what, and each line's trend) and the numbers behind it, one click away.
// Node writes both into a handout beside the plot (lib/plots/figure.ts); the page's live figures
// rewrite them as their sliders move (lib/live/theory.ts). Pure strings: neither fs nor the DOM.
import type { Figure, Trace } from './spec';

/** Text safe inside an element or a quoted attribute (lib/plots/html.ts has the same for Node's pages). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plotly's title markup as plain text: <br> a space, other tags gone, entities decoded. */
export function plainText(text: unknown): string {
  const t = typeof text === 'string' ? text : typeof (text as { text?: unknown })?.text === 'string' ? (text as { text: string }).text : '';
  return t.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ').trim();
}

interface Series { name: string; x: (number | string)[]; y: number[]; interval?: [number, number][]; n?: number[]; bars?: boolean }

const values = (v: unknown): unknown[] => (Array.isArray(v) ? v : v && typeof v === 'object' && 'length' in (v as object) ? Array.from(v as ArrayLike<unknown>) : []);

/** Every trace with y values: its name, x (or the point's index) and y; [lo, hi, n] where customdata carries them. */
function seriesOf(fig: Figure): Series[] {
  return fig.data.flatMap((tr: Trace, k) => {
    const ys = values(tr.y);
    if (!ys.length || !ys.every((v) => typeof v === 'number')) return [];
    const xs = values(tr.x);
    const cd = values(tr.customdata);
    const triples = cd.length === ys.length && cd.every((c) => Array.isArray(c) && c.length === 3 && c.every((v) => typeof v === 'number'));
    // Error bars without [lo, hi, n] (the theory chapter's Monte Carlo points, ±2 standard errors): their ends.
    const err = (tr.error_y ?? {}) as { array?: unknown; arrayminus?: unknown; visible?: boolean };
    const up = values(err.array);
    const down = err.arrayminus === undefined ? up : values(err.arrayminus);
    const bars = !triples && err.visible !== false && up.length === ys.length && down.length === ys.length && [...up, ...down].every((v) => typeof v === 'number');
    // A trace on a second panel (xaxis 'x2', Figure 7's ℓ2 half) is named with that panel's axis.
    const panel = typeof tr.xaxis === 'string' && tr.xaxis !== 'x' ? plainText((fig.layout?.[`xaxis${tr.xaxis.slice(1)}`] as { title?: unknown } | undefined)?.title) : '';
    const name = plainText(tr.name) || (fig.data.length > 1 ? `series ${k + 1}` : '');
    return [{
      name: panel ? `${name} (against ${panel})` : name,
      x: xs.length === ys.length ? (xs as (number | string)[]) : ys.map((_, i) => i),
      y: ys as number[],
      ...(triples ? { interval: (cd as number[][]).map((c) => [c[0], c[1]] as [number, number]), n: (cd as number[][]).map((c) => c[2]) } : {}),
      ...(bars ? { interval: (ys as number[]).map((y, i) => [y - (down[i] as number), y + (up[i] as number)] as [number, number]), bars: true } : {}),
    }];
  });
}

/** Axis titles; 'x' and 'y' where a figure has none. */
function axes(fig: Figure): { x: string; y: string; percent: boolean } {
  const layout = fig.layout ?? {};
  const x = plainText((layout.xaxis as { title?: unknown } | undefined)?.title) || 'x';
  const y = plainText((layout.yaxis as { title?: unknown } | undefined)?.title) || 'y';
  const format = String((layout.yaxis as { tickformat?: unknown } | undefined)?.tickformat ?? '');
  const ys = seriesOf(fig).flatMap((s) => s.y);
  const percent = (/accuracy|probability|rate/i.test(y) || format.includes('%')) && ys.every((v) => v >= 0 && v <= 1);
  return { x, y, percent };
}

/** A number as a reader says it: 3 significant digits, no trailing zeros; a share as a percentage. */
export function say(v: number | string, percent = false): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (percent) return `${+(100 * v).toFixed(1)}%`;
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(+v.toPrecision(3));
}

/** A line's trend in words: how it goes from its first point to its last, and its peak or trough if inside. */
function trend(s: Series, percent: boolean, spread: number): string {
  const at = (i: number) => `${say(s.y[i], percent)} at ${say(s.x[i])}`;
  const n = s.y.length;
  if (n === 1) return `${say(s.y[0], percent)} at ${say(s.x[0])}`;
  const first = s.y[0];
  const last = s.y[n - 1];
  const flat = Math.abs(last - first) <= 0.02 * spread;
  const hi = s.y.indexOf(Math.max(...s.y));
  const lo = s.y.indexOf(Math.min(...s.y));
  const way = flat ? 'stays level' : last > first ? 'rises' : 'falls';
  const inside = [hi, lo].filter((i) => i > 0 && i < n - 1 && Math.abs(s.y[i] - first) > 0.05 * spread && Math.abs(s.y[i] - last) > 0.05 * spread);
  const turn = inside.length ? `, ${inside[0] === hi ? 'highest' : 'lowest'} ${at(inside[0])}` : '';
  // Where a steady rise or fall is half done tells its shape: a robust model's curve holds, then drops.
  let half = '';
  if (!flat && !inside.length && n >= 3 && typeof s.x[0] === 'number') {
    const mid = (first + last) / 2;
    const k = s.y.findIndex((v) => (last < first ? v <= mid : v >= mid));
    if (k > 0) {
      const [x0, x1] = [s.x[k - 1] as number, s.x[k] as number];
      half = `, half-way by ${say(x0 + ((mid - s.y[k - 1]) / (s.y[k] - s.y[k - 1])) * (x1 - x0))}`;
    }
  }
  return `${way} from ${at(0)} to ${at(n - 1)}${turn}${half}`;
}

/**
 * The figure in words: its title, what is plotted against what, and each series' trend, e.g. "Robust
 * accuracy under ℓ∞ PGD: accuracy against ε, 2 lines. standard falls from 99% at 0 to 0% at 0.3; ...".
 */
export function describeFigure(fig: Figure): string {
  const series = seriesOf(fig);
  const title = plainText(fig.layout?.title);
  const { x, y, percent } = axes(fig);
  if (!series.length) return `${title || 'A figure'} (no data).`;
  const ys = series.flatMap((s) => s.y);
  const spread = Math.max(...ys) - Math.min(...ys) || 1;
  const numericX = series.every((s) => s.x.every((v) => typeof v === 'number'));
  const kind = fig.data.some((t) => t.type === 'bar') ? 'bars' : series.every((s) => s.y.length === 1) ? 'points' : 'lines';
  const head = `${title ? `${title}: ` : ''}${y} against ${x}, ${series.length} ${series.length === 1 ? kind.replace(/s$/, '') : kind}.`;
  const each = series.map((s) => {
    const words = numericX ? trend(s, percent, spread) : s.x.map((v, i) => `${say(v)} ${say(s.y[i], percent)}`).join(', ');
    return `${s.name ? `${s.name}: ` : ''}${words}`;
  });
  return `${head} ${each.join('; ')}.`;
}

export interface FigureTable { header: string[]; rows: string[][]; note: string }

/** At most this many rows per series in a table: a closed form's 200-point curve is shown every k-th point. */
const MAX_ROWS = 25;

/** The numbers behind the figure: one row per point, with its 95% interval and n where the figure carries them. */
export function figureTable(fig: Figure): FigureTable {
  const series = seriesOf(fig);
  const { x, y, percent } = axes(fig);
  const intervals = series.some((s) => s.interval && !s.bars);
  const bars = series.some((s) => s.bars);
  const named = series.length > 1 || series.some((s) => s.name);
  const header = [...(named ? ['series'] : []), x, y, ...(intervals ? ['95% interval', 'n'] : []), ...(bars ? ['error bar'] : [])];
  let thinned = false;
  const rows = series.flatMap((s) => {
    const step = Math.ceil(s.y.length / MAX_ROWS);
    if (step > 1) thinned = true;
    const keep = s.y.map((_, i) => i).filter((i) => i % step === 0 || i === s.y.length - 1);
    return keep.map((i) => [
      ...(named ? [s.name] : []), say(s.x[i]), say(s.y[i], percent),
      ...(intervals ? [s.interval && !s.bars ? `[${say(s.interval[i][0], percent)}, ${say(s.interval[i][1], percent)}]` : '', s.n ? String(s.n[i]) : ''] : []),
      ...(bars ? [s.bars && s.interval ? `[${say(s.interval[i][0], percent)}, ${say(s.interval[i][1], percent)}]` : ''] : []),
    ]);
  });
  return { header, rows, note: thinned ? `Long curves are shown every few points, up to ${MAX_ROWS} rows each, and always their last point.` : '' };
}

/** The table as HTML behind a one-line summary (<details>): "Data for Figure 2.3". */
export function figureTableHtml(fig: Figure, summary = 'Data for this figure'): string {
  const t = figureTable(fig);
  if (!t.rows.length) return '';
  const cells = (tag: string, r: string[]) => r.map((c) => `<${tag}${tag === 'th' ? ' scope="col"' : ''}>${escapeText(c)}</${tag}>`).join('');
  return `<details class="ao-figure-data"><summary>${escapeText(summary)}</summary>`
    + `<table><thead><tr>${cells('th', t.header)}</tr></thead><tbody>${t.rows.map((r) => `<tr>${cells('td', r)}</tr>`).join('')}</tbody></table>`
    + `${t.note ? `<p>${escapeText(t.note)}</p>` : ''}</details>`;
}
