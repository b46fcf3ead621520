// Showing figures and images in a tslab notebook.
import type * as tslab from 'tslab';
import { Figure, figureHtml, plotlyBundleHtml } from './figure';

function display(): tslab.Display {
  // Required lazily: outside a kernel tslab's display throws "Not ready", and tests never call this.
  const { display: d } = require('tslab') as typeof tslab;
  return d;
}

let bundleShown = false;

/**
 * Displays a plotly figure. The first figure of a kernel session carries the plotly.js bundle,
 * so a notebook (and its handout) holds the bundle exactly once.
 */
export function show(fig: Figure): void {
  const html = figureHtml(fig);
  display().html(bundleShown ? html : `${plotlyBundleHtml()}\n${html}`);
  bundleShown = true;
}

/** Shows a PNG or JPEG image (as imageGrid makes them), by its first bytes. */
export function showImage(image: Uint8Array): void {
  if (image[0] === 0xff && image[1] === 0xd8) display().jpeg(image);
  else display().png(image);
}

export function showMarkdown(md: string): void {
  display().markdown(md);
}

/** Shows an HTML fragment (its scripts run in Jupyter and in the handout). */
export function showHtml(html: string): void {
  display().html(html);
}
