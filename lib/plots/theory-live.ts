// The theory chapter's figures, live: the page gets the figure's data, Section 2's closed forms compiled
// for the browser (lib/live/theory.ts) and sliders for p, d, eta and eps; every curve follows them.
import * as crypto from 'crypto';
import { checkEps, checkParams } from '../theory/params';
import { liveBundle, UNPACK_SCRIPT } from '../live/bundle';
import { plotlyOnce } from './figure';
import { classifierAngle, LiveTheoryData } from './theory-figures';

/** One live figure as a self-contained HTML fragment (plotly.js comes with the first figure of a notebook). */
export async function liveTheoryHtml(data: LiveTheoryData): Promise<string> {
  checkParams(data.params);
  checkEps(data.epsInEta, 'epsInEta');
  if (data.kind === 'accuracy' && !Object.keys(data.thetas ?? {}).length) throw new Error('a live accuracy figure needs classifiers (thetas)');
  const bundle = await liveBundle('theory');
  const hash = crypto.createHash('sha1').update(bundle).digest('hex').slice(0, 12);
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
  return `${plotlyOnce()}<div class="at-odds-theory" data-state="static" style="max-width:900px">
<div class="ao-theory-placeholder" style="font:12px sans-serif;color:#555">Drawing the figure: its closed forms run in this page.</div>
<script type="application/json" class="ao-data">${json(data)}</script>
<script type="application/json" class="ao-bundle" data-hash="${hash}">${json(bundle)}</script>
<script>(function () {
  var root = document.currentScript && document.currentScript.closest('.at-odds-theory');
  if (!root) return;
  ${UNPACK_SCRIPT}
  // plotly.js arrives with the first figure of the page, maybe in another output.
  var plotly = new Promise(function (resolve) {
    (function wait() { if (window.Plotly) resolve(window.Plotly); else if (window.atOddsPlotly) window.atOddsPlotly.then(resolve); else setTimeout(wait, 30); })();
  });
  var bundle = root.querySelector('.ao-bundle');
  var code = window.atOddsUnpack('atOddsTheory_' + bundle.dataset.hash, JSON.parse(bundle.textContent), function () { return window.atOddsTheory; });
  Promise.all([plotly, code]).then(function (r) { r[1].theory(root, JSON.parse(root.querySelector('.ao-data').textContent), r[0]); })
    .catch(function (e) { root.querySelector('.ao-theory-placeholder').textContent = 'This figure could not start here: ' + (e && e.message ? e.message : e); root.dataset.state = 'failed'; });
})();</script>
</div>`;
}

/** The angles of weighted classifiers, as the live accuracy figure takes them. */
export function classifierAngles(classifiers: Record<string, Float64Array>): Record<string, number> {
  return Object.fromEntries(Object.entries(classifiers).map(([name, w]) => [name, classifierAngle(w)]));
}
