// Section 2 of the paper: closed forms against Monte Carlo, Theorem 2.1's bound, Theorem 2.2's SVMs.
import test from 'ava';
import { normalCdf } from '../lib/theory/normal';
import { sampleD } from '../lib/theory/distribution';
import { averagingClassifier, empiricalAccuracy, linearAccuracy, robustClassifier, weightedClassifier } from '../lib/theory/linear';
import { theorem21Bound, tradeoffCurve } from '../lib/theory/tradeoff';
import { robustWeightShare, trainSvm } from '../lib/theory/svm';
import { seededRng } from '../lib/random';
import { TheoryParams } from '../lib/theory/params';
import { classifierAngle, theoryFigure } from '../lib/figures/theory';
import { classifierAngles, liveTheoryHtml } from '../lib/plots/theory-live';

test('normalCdf matches tabulated values, far into the tails', (t) => {
  const table: [number, number][] = [
    [0, 0.5], [1, 0.8413447460685429], [1.959963984540054, 0.975], [-3, 0.0013498980316301],
    [3, 0.9986501019683699], [-5, 2.866515718791939e-7], [-8, 6.22096057427178e-16], [-2.5, 0.006209665325776132],
  ];
  for (const [z, want] of table) t.true(Math.abs(normalCdf(z) - want) <= 1e-12 + 1e-9 * want, `Phi(${z}) = ${normalCdf(z)}, want ${want}`);
});

test('sampling is seeded and has the distribution\'s moments', (t) => {
  const params = { p: 0.8, d: 20, eta: 0.5 };
  const a = sampleD(params, 4000, 7);
  t.deepEqual(a.x, sampleD(params, 4000, 7).x);
  t.notDeepEqual(a.x, sampleD(params, 4000, 8).x);
  let agree = 0;
  let weak = 0;
  for (let i = 0; i < a.n; i++) {
    if (a.x[i * a.dim] === a.y[i]) agree++;
    for (let j = 1; j < a.dim; j++) weak += a.x[i * a.dim + j] * a.y[i];
  }
  const n = a.n;
  t.true(Math.abs(agree / n - 0.8) < 4 * Math.sqrt(0.16 / n), `P(x1 = y) = ${agree / n}`);
  t.true(Math.abs(weak / (n * 20) - 0.5) < 4 / Math.sqrt(n * 20), `E[y x_j] = ${weak / (n * 20)}`);
});

test('closed-form accuracies agree with Monte Carlo within 4 standard errors', (t) => {
  const rng = seededRng(3);
  const cases: [TheoryParams, number][] = [[{ p: 0.95, d: 100, eta: 3 / 10 }, 20000], [{ p: 0.7, d: 1000, eta: 0.05 }, 4000]];
  for (const [params, n] of cases) {
    const data = sampleD(params, n, 11);
    const random = Float64Array.from({ length: params.d + 1 }, () => rng.normal());
    const classifiers = { averaging: averagingClassifier(params.d), robust: robustClassifier(params.d), weighted: weightedClassifier(params.d, 1.2), random };
    for (const [name, w] of Object.entries(classifiers)) {
      for (const eps of [0, params.eta, 2 * params.eta, 0.9, 1.5]) {
        const exact = linearAccuracy(w, params, eps);
        const mc = empiricalAccuracy(w, data, eps);
        const se = Math.sqrt(Math.max(exact * (1 - exact), 1e-12) / n);
        t.true(Math.abs(mc.accuracy - exact) <= 4 * se, `${name} d=${params.d} eps=${eps}: closed form ${exact}, Monte Carlo ${mc.accuracy} (se ${se})`);
      }
    }
  }
});

test('the paper\'s example: p = 0.95, eta = 3/sqrt(d)', (t) => {
  const d = 1000;
  const params = { p: 0.95, d, eta: 3 / Math.sqrt(d) };
  const avg = averagingClassifier(d);
  t.true(linearAccuracy(avg, params) > 0.99);
  t.true(linearAccuracy(avg, params, 2 * params.eta) < 0.01);
  t.true(Math.abs(linearAccuracy(avg, params) - normalCdf(3)) < 1e-12);
  t.is(linearAccuracy(robustClassifier(d), params), 0.95);
  t.is(linearAccuracy(robustClassifier(d), params, 2 * params.eta), 0.95);
  t.is(linearAccuracy(robustClassifier(d), params, 1), 0);
});

test('Theorem 2.1 holds for every classifier evaluated, at every eps >= 2 eta, and is tight for sign(x1)', (t) => {
  const rng = seededRng(5);
  for (const params of [{ p: 0.95, d: 1000, eta: 3 / Math.sqrt(1000) }, { p: 0.6, d: 10, eta: 0.4 }, { p: 0.99, d: 200, eta: 0.05 }]) {
    const classifiers = [
      ...Array.from({ length: 41 }, (_, i) => weightedClassifier(params.d, (i / 40) * (Math.PI / 2))),
      ...Array.from({ length: 20 }, () => Float64Array.from({ length: params.d + 1 }, () => rng.normal())),
    ];
    for (const k of [2, 2.5, 4, 10]) {
      const eps = k * params.eta;
      for (const w of classifiers) {
        const std = linearAccuracy(w, params);
        const rob = linearAccuracy(w, params, eps);
        t.true(rob <= theorem21Bound(params.p, std) + 1e-12, `p=${params.p} eps=${eps}: std ${std}, robust ${rob}`);
      }
    }
    const r = robustClassifier(params.d);
    t.true(Math.abs(linearAccuracy(r, params, 2 * params.eta) - theorem21Bound(params.p, linearAccuracy(r, params))) < 1e-12);
  }
  // Below 2 eta the theorem is silent, and indeed classifiers beat its bound there.
  const params = { p: 0.95, d: 1000, eta: 3 / Math.sqrt(1000) };
  const beaten = tradeoffCurve(params, 0.5 * params.eta).some((pt) => pt.robust > theorem21Bound(params.p, pt.standard));
  t.true(beaten);
});

test('Theorem 2.2: the standard SVM is accurate and brittle, the adversarial one robust at about p', (t) => {
  const d = 1000;
  const params = { p: 0.95, d, eta: 4 / Math.sqrt(d) };
  const data = sampleD(params, 2000, 1);
  const eps = 2 * params.eta;
  const standard = trainSvm(data, { epsTrain: 0 }).w;
  t.true(linearAccuracy(standard, params) > 0.99);
  t.true(linearAccuracy(standard, params, eps) < 0.01);
  t.true(robustWeightShare(standard) < 0.05);
  const adversarial = trainSvm(data, { epsTrain: eps }).w;
  t.true(Math.abs(linearAccuracy(adversarial, params) - params.p) < 0.01);
  t.true(Math.abs(linearAccuracy(adversarial, params, eps) - params.p) < 0.01);
  t.true(robustWeightShare(adversarial) > 0.9);
});

test('bad parameters get errors that name them', (t) => {
  const ok = { p: 0.9, d: 10, eta: 0.1 };
  const w = averagingClassifier(10);
  t.throws(() => sampleD({ ...ok, p: 1.2 }, 10, 1), { message: 'p must be a number in [0.5, 1], got 1.2' });
  t.throws(() => sampleD({ ...ok, p: 0.3 }, 10, 1), { message: /p must be a number in \[0.5, 1\]/ });
  t.throws(() => sampleD({ ...ok, p: 'a' as unknown as number }, 10, 1), { message: /p must be a number in \[0.5, 1\], got a/ });
  t.throws(() => sampleD({ ...ok, d: 0 }, 10, 1), { message: 'd must be an integer >= 1, got 0' });
  t.throws(() => sampleD({ ...ok, d: 2.5 }, 10, 1), { message: /d must be an integer/ });
  t.throws(() => sampleD({ ...ok, eta: 0 }, 10, 1), { message: 'eta must be a number > 0, got 0' });
  t.throws(() => sampleD({ ...ok, eta: NaN }, 10, 1), { message: /eta must be a number > 0/ });
  t.throws(() => linearAccuracy(w, ok, -0.1), { message: 'eps must be a number >= 0, got -0.1' });
  t.throws(() => linearAccuracy(averagingClassifier(5), ok), { message: /weights have 6 entries, D\(p, eta, d=10\) has 11 features/ });
  t.throws(() => trainSvm(sampleD(ok, 10, 1), { epsTrain: -1 }), { message: 'epsTrain must be a number >= 0, got -1' });
  t.throws(() => tradeoffCurve(ok, -1), { message: /eps must be a number >= 0/ });
  t.throws(() => theorem21Bound(0.9, 1.5), { message: /standard accuracy must be in \[0, 1\]/ });
});

test('the live figures: classifiers by their angle, the figure at the sliders\' values, and bad input refused by name', async (t) => {
  const params = { p: 0.95, d: 100, eta: 0.3 };
  for (const theta of [0, 0.3, 1.4, Math.PI / 2]) t.true(Math.abs(classifierAngle(weightedClassifier(100, theta)) - theta) < 1e-12);
  const w = weightedClassifier(100, 1);
  w[5] += 0.1;
  t.throws(() => classifierAngle(w), { message: /needs weighted classifiers: the same weight on every weak feature/ });
  // The figure the page draws is the closed form: the averaging line at eps = eta.
  const fig = theoryFigure({ kind: 'accuracy', params, epsInEta: 0, thetas: classifierAngles({ averaging: averagingClassifier(100) }) }, params, 0);
  const line = fig.data[0] as { x: number[]; y: number[] };
  const i = line.x.findIndex((e) => Math.abs(e - 0.3) < 1e-12);
  t.true(Math.abs(line.y[i] - linearAccuracy(averagingClassifier(100), params, 0.3)) < 1e-12);
  t.regex((theoryFigure({ kind: 'weakFeatures', params, epsInEta: 2 }, params, 2).layout!.title as { text: string }).text, /at ε = 2\.00η/);
  t.throws(() => theoryFigure({ kind: 'pie' as 'tradeoff', params, epsInEta: 1 }, params, 1), { message: /unknown theory figure 'pie'/ });
  await t.throwsAsync(liveTheoryHtml({ kind: 'accuracy', params, epsInEta: 0 }), { message: /needs classifiers/ });
  await t.throwsAsync(liveTheoryHtml({ kind: 'tradeoff', params: { ...params, p: 1.2 }, epsInEta: 2 }), { message: /p must be a number in \[0.5, 1\], got 1.2/ });
  await t.throwsAsync(liveTheoryHtml({ kind: 'tradeoff', params, epsInEta: -1 }), { message: /epsInEta must be a number >= 0, got -1/ });
  // A classifier's name goes into the page as data, never as markup.
  const html = await liveTheoryHtml({ kind: 'accuracy', params, epsInEta: 0, thetas: { '</script><b>x': 0.5, robust: 0 } });
  t.regex(html, /class="at-odds-theory"/);
  t.false(html.includes('</script><b>x'), 'no way out of its <script>');
  t.regex(html, /\\u003c\/script>\\u003cb>x/);
  // Its starting state as a picture, for a page that runs no script; the names in its legend are text.
  const svg = Buffer.from(html.match(/<img class="ao-theory-static"[^>]* src="data:image\/svg\+xml;base64,([^"]+)"/)![1], 'base64').toString();
  t.regex(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="900" height="420"/);
  t.true(svg.includes('>x: closed form</text>') && !svg.includes('<b>') && !svg.includes('script'), 'tags in a name are plotly markup: left out, as text');
});

test('the SVM\'s shortcuts (scores over the non-zero weights, the subgradient by the inactive samples) give the plain subgradient method\'s weights', (t) => {
  const params = { p: 0.9, d: 30, eta: 0.4 };
  const data = sampleD(params, 300, 2);
  // The method as written in the comment of lib/theory/svm.ts, with no shortcut.
  const plain = (eps: number, steps: number) => {
    const { x, y, n, dim } = data;
    const w = new Float64Array(dim);
    const average = new Float64Array(dim);
    for (let s = 1; s <= steps; s++) {
      const norm1 = w.reduce((a, v) => a + Math.abs(v), 0);
      const grad = new Float64Array(dim);
      let active = 0;
      for (let i = 0; i < n; i++) {
        let score = 0;
        for (let j = 0; j < dim; j++) score += w[j] * x[i * dim + j];
        if (1 - y[i] * score + eps * norm1 > 0) {
          active++;
          for (let j = 0; j < dim; j++) grad[j] -= y[i] * x[i * dim + j];
        }
      }
      const lr = 0.5 / Math.sqrt(s);
      for (let j = 0; j < dim; j++) {
        const v = w[j] - (lr * grad[j]) / n;
        w[j] = Math.sign(v) * Math.max(0, Math.abs(v) - (lr * eps * active) / n);
      }
      const norm = Math.sqrt(w.reduce((a, v) => a + v * v, 0));
      if (norm > 1) for (let j = 0; j < dim; j++) w[j] /= norm;
      if (s > steps / 2) for (let j = 0; j < dim; j++) average[j] += w[j] / Math.ceil(steps / 2);
    }
    return average;
  };
  for (const eps of [0, 0.2, 0.5, 1.5]) {
    const fast = trainSvm(data, { epsTrain: eps, steps: 60 }).w;
    const slow = plain(eps, 60);
    const worst = Math.max(...Array.from(fast, (v, j) => Math.abs(v - slow[j])));
    t.true(worst < 1e-9, `eps ${eps}: the weights differ by ${worst}`);
  }
});
