// Plotly figures as self-contained HTML: they render live in Jupyter and in an exported handout,
// where there is no kernel and no network.
import * as crypto from 'crypto';
import * as fs from 'fs';

export type Trace = Record<string, unknown>;
export type Layout = Record<string, unknown>;

export interface Figure {
  data: Trace[];
  layout?: Layout;
  config?: Record<string, unknown>;
}

/**
 * JSON that is safe inside a <script> element. Six significant digits are plenty for a plot and
 * keep handouts small (they carry every slider frame).
 */
function scriptJson(value: unknown): string {
  const round = (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(6) : v);
  return JSON.stringify(value, round).replace(/</g, '\\u003c');
}

let bundle: string | undefined;

/** The plotly.js bundle (cartesian charts, heatmaps, sliders) as one <script>, about 1.5 MB. */
export function plotlyBundleHtml(): string {
  bundle ??= fs.readFileSync(require.resolve('plotly.js-cartesian-dist-min'), 'utf8').replace(/<\/script/gi, '<\\/script');
  return `<script>${bundle}</script>`;
}

const DEFAULT_LAYOUT: Layout = {
  template: undefined,
  font: { family: 'Helvetica, Arial, sans-serif', size: 13 },
  margin: { l: 60, r: 20, t: 50, b: 50 },
  height: 420,
  autosize: true,
};

/** The figure with our defaults filled in: what plotly.newPlot takes, and the plotly mimetype carries. */
export function figureSpec(fig: Figure): Required<Figure> {
  return {
    data: fig.data,
    // Titles start at the left, clear of plotly's toolbar at the top right.
    layout: { ...DEFAULT_LAYOUT, ...fig.layout, title: { x: 0.01, xanchor: 'left', ...(fig.layout?.title as object | undefined) } },
    config: { responsive: true, displaylogo: false, ...fig.config },
  };
}

/**
 * A <div> and the script that draws the figure into it once window.Plotly exists (the bundle
 * may come in an earlier output). The id is derived from the content, so re-running a notebook
 * gives the same HTML.
 */
export function figureHtml(fig: Figure): string {
  const json = scriptJson(figureSpec(fig));
  const id = `fig-${crypto.createHash('sha1').update(json).digest('hex').slice(0, 12)}`;
  return `<div class="at-odds-figure" id="${id}" style="width:100%;max-width:900px"></div>
<script>(function () {
  // The div just before this script, not the first element with its id: the same figure may be open
  // twice (a notebook and its executed copy side by side in JupyterLab), and each draws into its own.
  var div = document.currentScript && document.currentScript.previousElementSibling;
  if (!div || div.id !== '${id}') div = document.getElementById('${id}');
  var spec = ${json};
  function draw() {
    if (!window.Plotly) return setTimeout(draw, 30);
    window.Plotly.newPlot(div, spec.data, spec.layout, spec.config);
  }
  draw();
})();</script>`;
}
