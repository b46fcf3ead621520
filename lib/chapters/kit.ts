// Everything an image chapter's notebook calls, in one import: the chapter's sections (image.ts,
// extras.ts), the figures they draw, and how a cell shows them.
import * as path from 'path';
import type { Figure } from '../plots/figure';
import { show, showImage } from '../plots/show';
import { OUTPUTS } from '../paths';

export { initBackend } from '../backend/init';
export * from './image';
export * from './extras';
export * as figures from '../plots/chapter-figures';
export { show, showHtml, showImage, showMarkdown } from '../plots/show';
export { memoryReport } from '../memory';
export { getProfile } from '../profile';

/** Where a chapter writes its CSV: outputs/<chapter>/ (AT_ODDS_OUTPUTS moves outputs/). */
export function chapterOutputs(chapter: string): string {
  return path.join(OUTPUTS, chapter);
}

/** Several figures, one output each, in order. */
export function showAll(figures: Figure[]): void {
  figures.forEach((f) => show(f));
}

/** Several image grids, one output each, in order. */
export function showImages(images: Uint8Array[]): void {
  images.forEach((i) => showImage(i));
}
