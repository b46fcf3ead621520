// Plotly figures as self-contained HTML: they render live in Jupyter and in an exported handout,
// where there is no kernel and no network.
import * as crypto from 'crypto';
import * as fs from 'fs';

import { describeFigure, escapeText, figureTableHtml } from '../figures/describe';
import { Figure, figureSpec } from '../figures/spec';
import { UNPACK_SCRIPT } from './bundle';
import { scriptJson } from './html';
import { pack } from './pack';

export { figureSpec };
export type { Figure, Layout, Trace } from '../figures/spec';

let bundle: string | undefined;

/**
 * The plotly.js bundle (scatter, bar and pie: all our figures draw) as one <script>: 1.2 MB of JavaScript, packed
 * (gzip, base64) to 0.53 MB of the page and unpacked there once, into window.Plotly.
 */
export function plotlyBundleHtml(): string {
  bundle ??= pack(fs.readFileSync(require.resolve('plotly.js-basic-dist-min')));
  return `<script>${UNPACK_SCRIPT}\nwindow.atOddsUnpack('atOddsPlotly', ${JSON.stringify(bundle)}, function () { return window.Plotly; });</script>`;
}

let carried = false;
let carriedLive = false;

/**
 * Set by the notebook runner for the kernels it starts: a notebook executed once, top to bottom, for its
 * handout, where one copy of plotly.js serves every figure. A kernel without it serves a person (JupyterLab,
 * VS Code), who runs cells again, in any order, and saves: there an output that once carried plotly.js may
 * be replaced by one that does not, and after a reload the page would have none.
 */
export const RUNNER_ENV = 'AT_ODDS_RUNNER';

/**
 * The bundle for the first HTML output of this process that needs it, then '': a notebook's handout
 * holds it once (show()'s figures in a handout; JupyterLab draws them with plotly's extension instead).
 */
export function plotlyOnce(): string {
  if (carried) return '';
  carried = true;
  return plotlyBundleHtml();
}

/**
 * The bundle for a live figure's output, whose script draws with plotly.js: in a kernel a person uses,
 * every live output carries it (the page unpacks it once), so that each draws after any re-run, save and
 * reload, whichever outputs are left; under the runner, the first live output carries it for the others.
 * JupyterLab renders show()'s plotly mimetype, never its HTML, so a bundle carried there does not count.
 */
export function plotlyForLive(): string {
  if (carriedLive && process.env[RUNNER_ENV]) return '';
  carried = carriedLive = true;
  return plotlyBundleHtml();
}

/**
 * A <figure>: a <div> and the script that draws the figure into it once window.Plotly exists (the bundle
 * may come in an earlier output), its text alternative as the caption (what is plotted against what, and
 * each line's trend, from the data: lib/figures/describe.ts) and its numbers as a table behind a click.
 * The id is derived from the content, so re-running a notebook gives the same HTML.
 */
export function figureHtml(fig: Figure): string {
  // Six significant digits are plenty for a plot and keep handouts small (they carry every slider frame).
  const json = scriptJson(figureSpec(fig), 6);
  const id = `fig-${crypto.createHash('sha1').update(json).digest('hex').slice(0, 12)}`;
  const alt = escapeText(describeFigure(fig));
  // The <figure>'s label is its alternative in the page and, as the tagged PDF's /Alt, on paper.
  return `<figure class="at-odds-plot" aria-label="${alt}" style="margin:0 0 8px">
<div class="at-odds-figure" id="${id}" style="width:100%;max-width:900px"></div>
<script>(function () {
  // The div just before this script, not the first element with its id: the same figure may be open
  // twice (a notebook and its executed copy side by side in JupyterLab), and each draws into its own.
  var div = document.currentScript && document.currentScript.previousElementSibling;
  if (!div || div.id !== '${id}') div = document.getElementById('${id}');
  var spec = ${json};
  function draw() {
    if (!window.Plotly) return setTimeout(draw, 30);
    // Plotly's SVG (hundreds of unnamed shapes) is hidden from screen readers and from the PDF's tags:
    // the <figure>'s label says what it shows. Its toolbar's buttons stay reachable.
    window.Plotly.newPlot(div, spec.data, spec.layout, spec.config).then(function () {
      div.querySelectorAll('svg.main-svg').forEach(function (s) { s.setAttribute('aria-hidden', 'true'); });
    });
  }
  draw();
})();</script>
<figcaption class="ao-figure-alt" style="font:13px/1.4 sans-serif;color:#444;max-width:900px">${alt}</figcaption>
${figureTableHtml(fig)}
</figure>`;
}
