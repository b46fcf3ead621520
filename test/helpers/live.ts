// The live explorer's answers checked against Node: the same attack with lib/attacks/pgd.ts, and a digit
// drawn on its pad as a mouse would.
import type { ExecutionContext } from 'ava';
import type { Page } from 'puppeteer-core';
import * as tf from '@tensorflow/tfjs';
import { pgd } from '../../lib/attacks/pgd';
import type { Norm } from '../../lib/attacks/threat';
import type { LiveResult } from '../../lib/live/explorer';
import { Classifier, topClass } from '../../lib/models/classifier';
import { explorerAfter } from './browser';

/**
 * The page and Node agree on the attack the page ran (`r`, on `x`'s images by index): every prediction,
 * and the adversarial images up to float differences between backends (`differing`: the share of values
 * that may differ by more than 1e-3).
 */
export function agreesWithNode(t: ExecutionContext, r: LiveResult, models: Record<string, Classifier>, x: tf.Tensor4D, differing = 0.02): void {
  const xs = tf.gather(x, r.columns) as tf.Tensor4D;
  const ys = tf.tensor1d(r.labels, 'int32');
  const target = r.target == null ? undefined : tf.fill([r.columns.length], r.target, 'int32') as tf.Tensor1D;
  Object.entries(models).forEach(([name, m], k) => {
    const adv = r.eps === 0 ? tf.clone(xs) : pgd(m, xs, ys, { threat: r.norm as Norm, eps: r.eps, steps: r.steps, randomStart: false, targets: target });
    const node = Array.from(adv.dataSync());
    const page = r.models[k];
    t.is(page.name, name);
    t.deepEqual(page.predictions, topClass(m, adv).classes, `${name}: predictions at ${r.norm} eps ${r.eps}`);
    adv.dispose();
    const diff = page.adversarial.map((v, i) => Math.abs(v - node[i]));
    const mean = diff.reduce((a, b) => a + b, 0) / diff.length;
    // Where a gradient is nearly zero, its sign can differ between backends and one step goes the
    // other way: a few pixels may differ by a step, the images as a whole by very little.
    t.true(mean < 2e-3, `${name}: mean |page - node| = ${mean}`);
    const share = diff.filter((d) => d > 1e-3).length / diff.length;
    t.true(share < differing, `${name}: ${(100 * share).toFixed(1)}% of the values differ`);
  });
  tf.dispose([xs, ys, ...(target ? [target] : [])]);
}

/** Draws a vertical stroke (a one) on the explorer's pad with the mouse, and waits for the attack it starts. */
export async function drawOne(page: Page, root = '.at-odds-explorer'): Promise<LiveResult> {
  const canvas = (await page.$(`${root} .ao-live .at-odds-draw canvas`))!;
  await canvas.scrollIntoView();
  const box = (await canvas.boundingBox())!;
  return explorerAfter(page, async () => {
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.07 * k));
    await page.mouse.up();
  });
}

/** The page's drawn digit (column 0 at eps 0) is a one to every model, in the page and in Node. */
export function drawnIsOne(t: ExecutionContext, r: LiveResult, models: Record<string, Classifier>): void {
  t.is(r.columns[0], -1, 'the drawing is the first column');
  t.is(r.eps, 0);
  const drawn = r.models[0].adversarial.slice(0, 28 * 28);
  t.true(drawn.filter((v) => v > 0.5).length > 30, 'the stroke is in the image');
  const xd = tf.tensor4d(drawn, [1, 28, 28, 1]);
  Object.values(models).forEach((m, k) => {
    const node = topClass(m, xd).classes[0];
    t.is(r.models[k].predictions[0], node, 'the page and Node read the drawing alike');
    t.is(node, 1, 'a vertical stroke is a one');
  });
  xd.dispose();
}
