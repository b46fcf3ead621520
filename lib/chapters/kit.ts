// Everything an image chapter's notebook calls, in one import: the chapter's sections (image.ts,
// extras.ts), the figures they draw, and how a cell shows them.
import type { Figure } from '../plots/figure';
import { show, showImage } from '../plots/show';

export { initBackend } from '../backend/init';
export * from './image';
export * from './extras';
export * as figures from '../plots/chapter-figures';
export { show, showHtml, showImage, showMarkdown } from '../plots/show';
export { memoryReport } from '../memory';
export { getProfile } from '../profile';

/** Several figures, one output each, in order. */
export function showAll(figures: Figure[]): void {
  figures.forEach((f) => show(f));
}

/** Several image grids, one output each, in order. */
export function showImages(images: Uint8Array[]): void {
  images.forEach((i) => showImage(i));
}
