// Showing figures and images in a tslab notebook.
import type * as tslab from 'tslab';
import { Figure, figureHtml, figureSpec, plotlyOnce } from './figure';
import { escapeHtml } from './html';

function display(): tslab.Display {
  // Required lazily: outside a kernel tslab's display throws "Not ready", and tests never call this.
  const { display: d } = require('tslab') as typeof tslab;
  return d;
}

/** The mimetype of plotly figures that JupyterLab (with plotly's extension), Notebook 7 and VS Code draw. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/**
 * Displays a plotly figure as one output with two forms: the plotly mimetype, which a Jupyter front
 * end draws by itself (after a page reload too, each figure on its own), and HTML for the handout
 * exporter, whose first figure carries the plotly.js bundle, so that a handout holds it once.
 */
export function show(fig: Figure): void {
  const html = figureHtml(fig);
  writeDisplayData({
    [PLOTLY_MIME]: figureSpec(fig),
    'text/html': `${plotlyOnce()}${html}`,
  });
}

/**
 * One display_data message with several mimetypes: tslab's public display sends one mimetype a
 * message, so this goes to the writer it uses itself (tslab is pinned in package.json).
 */
function writeDisplayData(data: Record<string, unknown>): void {
  display(); // throws "Not ready" outside a kernel, as the public API does
  const { lastWriteDisplayData } = require('tslab/dist/jupyter') as { lastWriteDisplayData: (msg: object, update: boolean) => void };
  lastWriteDisplayData({ data, metadata: {}, transient: {} }, false);
}

/**
 * Shows a PNG or JPEG image (as imageGrid makes them), by its first bytes. One that carries its text
 * alternative (imageGrid's pictures do) goes out as an <img> with that alt, which JupyterLab and the
 * handout both draw (an image output has no alt: nbconvert writes "No description has been provided").
 */
export function showImage(image: Uint8Array & { alt?: string }): void {
  const jpeg = image[0] === 0xff && image[1] === 0xd8;
  if (image.alt) {
    const src = `data:image/${jpeg ? 'jpeg' : 'png'};base64,${Buffer.from(image).toString('base64')}`;
    writeDisplayData({ 'text/html': `<img class="at-odds-grid" alt="${escapeHtml(image.alt)}" src="${src}" style="max-width:100%">`, 'text/plain': image.alt });
  } else if (jpeg) display().jpeg(image);
  else display().png(image);
}

export function showMarkdown(md: string): void {
  display().markdown(md);
}

/** Shows an HTML fragment (its scripts run in Jupyter and in the handout). */
export function showHtml(html: string): void {
  display().html(html);
}
