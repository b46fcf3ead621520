// The theory chapter's figures, live: the page gets the figure's data, Section 2's closed forms compiled
// for the browser (lib/live/theory.ts) and sliders for p, d, eta and eps; every curve follows them.
import * as crypto from 'crypto';
import { checkEps, checkParams } from '../theory/params';
import { describeFigure, figureTableHtml } from '../figures/describe';
import { classifierAngle, LiveTheoryData, theoryFigure } from '../figures/theory';
import { liveBundle, UNPACK_SCRIPT } from './bundle';
import { plotlyForLive } from './figure';
import { escapeHtml, scriptJson as json } from './html';
import { figureSvg } from './svg';

/**
 * One live figure as a self-contained HTML fragment: its data, the page code, plotly.js (see
 * plotlyForLive) and a picture of its starting state, drawn here, which stays where no script runs (an
 * untrusted notebook, a viewer) and gives way to the live figure where one does.
 */
export async function liveTheoryHtml(data: LiveTheoryData): Promise<string> {
  checkParams(data.params);
  checkEps(data.epsInEta, 'epsInEta');
  if (data.kind === 'accuracy' && !Object.keys(data.thetas ?? {}).length) throw new Error('a live accuracy figure needs classifiers (thetas)');
  const bundle = await liveBundle('theory');
  const hash = crypto.createHash('sha1').update(bundle).digest('hex').slice(0, 12);
  const fig = theoryFigure(data, data.params, data.epsInEta);
  const picture = Buffer.from(figureSvg(fig)).toString('base64');
  // What it shows in words and its numbers, from the figure's data; the page rewrites both as the sliders move.
  const alt = escapeHtml(describeFigure(fig));
  return `${plotlyForLive()}<div class="at-odds-theory" data-state="static" style="max-width:900px">
<img class="ao-theory-static" alt="${alt}" src="data:image/svg+xml;base64,${picture}" style="display:block;width:100%;max-width:900px;height:auto">
<div class="ao-theory-placeholder" style="font:12px sans-serif;color:#555">The figure at the parameters the notebook ran with. Where scripts run (JupyterLab, the handout in a browser) it is drawn live from its closed forms, with sliders for p, d, η and ε.</div>
<p class="ao-figure-alt" aria-live="polite" style="font:13px/1.4 sans-serif;color:#444;max-width:900px;margin:4px 0">${alt}</p>
<div class="ao-figure-table">${figureTableHtml(fig)}</div>
<script type="application/json" class="ao-data">${json(data)}</script>
<script type="application/json" class="ao-bundle" data-hash="${hash}">${json(bundle)}</script>
<script>(function () {
  var root = document.currentScript && document.currentScript.closest('.at-odds-theory');
  if (!root) return;
  ${UNPACK_SCRIPT}
  var note = root.querySelector('.ao-theory-placeholder');
  // plotly.js comes with this output, or under the runner with the chapter's first live figure.
  var plotly = new Promise(function (resolve) {
    var t0 = Date.now();
    (function wait() {
      if (window.Plotly) resolve(window.Plotly);
      else if (window.atOddsPlotly) window.atOddsPlotly.then(resolve);
      else {
        if (Date.now() - t0 > 15000) note.textContent = 'The figure at the parameters the notebook ran with: plotly.js, which draws it live, came with an output of this notebook that is gone. Run this cell again to draw it live.';
        setTimeout(wait, 50);
      }
    })();
  });
  var bundle = root.querySelector('.ao-bundle');
  var code = window.atOddsUnpack('atOddsTheory_' + bundle.dataset.hash, JSON.parse(bundle.textContent), function () { return window.atOddsTheory; });
  Promise.all([plotly, code]).then(function (r) { r[1].theory(root, JSON.parse(root.querySelector('.ao-data').textContent), r[0]); })
    .catch(function (e) {
      root.querySelector('.ao-theory-static').style.display = 'block';
      note.textContent = 'This figure could not start here (' + (e && e.message ? e.message : e) + '): the picture shows it at the parameters the notebook ran with.';
      root.dataset.state = 'failed';
    });
})();</script>
</div>`;
}

/** The angles of weighted classifiers, as the live accuracy figure takes them. */
export function classifierAngles(classifiers: Record<string, Float64Array>): Record<string, number> {
  return Object.fromEntries(Object.entries(classifiers).map(([name, w]) => [name, classifierAngle(w)]));
}
