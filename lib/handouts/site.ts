// The course site: outputs/handouts/index.html (the paper's citation, a paragraph, a thumbnail and what
// each chapter's live figures let a student try, with links to its HTML, PDF and notebook), a navigation
// bar in each chapter (the course page, the previous and next chapter), and at-odds.pdf, the four
// chapters printed in order with an outline by chapter and section. Every link is relative and every
// picture inlined, so that the folder works copied to any static host or opened from a file.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { writeFileAtomic } from '../io/atomic';
import { printToPdf } from './chromium';

export const CITATION = 'Dimitris Tsipras, Shibani Santurkar, Logan Engstrom, Alexander Turner and Aleksander Madry. '
  + 'Robustness May Be at Odds with Accuracy. International Conference on Learning Representations (ICLR), 2019. arXiv:1805.12152.';

/** What each chapter's live figures let a student try, by the chapter's file name. */
const LIVE: Record<string, string> = {
  '01-theory': 'Sliders for p, d, η and ε redraw Section 2\'s figures from their closed forms: watch the robust classifier give up the weak features, and the trade-off appear as ε passes 2η.',
  '02-mnist': 'The epsilon explorer attacks a standard and an ℓ∞-robust network in the page: slide ε, switch ℓ∞ and ℓ2, choose a target class and the test digits, or draw a digit of your own; see each prediction, the perturbation and the gradient.',
  '03-cifar10': 'The epsilon explorer on CIFAR-10 photos: slide ε (in steps of 1/255), switch the norm, target a class and pick the photos; a standard and a robust ResNet answer live.',
  '04-imagenet': 'No live figure: the chapter shows Restricted ImageNet photos, their gradients and large-ε examples as pictures.',
};

/**
 * What each chapter does, for the course page. Written, not cut from the chapter: a chapter's opening
 * paragraphs carry formulas and citations that read badly out of context.
 */
const ABOUT: Record<string, string> = {
  '01-theory': 'Section 2 of the paper, worked through: a distribution with one robust feature, right with probability p, and d weak features that each agree with the label only slightly more often than not. A standard classifier adds the weak features up and is nearly always right; an adversary who moves every feature by ε = 2η turns them against it. Theorem 2.1 bounds what any classifier can have of both, and Theorem 2.2 says that adversarial training finds the robust classifier. Four graded exercises.',
  '02-mnist': 'The paper\'s experiments on MNIST, with the networks we trained: standard and robust accuracy under ℓ∞ and ℓ2 PGD (each with its 95% interval), standard accuracy against ε_train (the paper\'s Figure 7) and against the size of the training set (Figure 1), the loss gradients (Figure 2), large-ε adversarial examples (Figure 3) and the line from a digit to its example (Figure 4). Four graded exercises.',
  '03-cifar10': 'The same experiments on CIFAR-10, with the ResNet-9s we trained, where robustness costs clearly more accuracy than on MNIST: our trade-off beside the robustness library\'s published ResNet-50s (Figure 7), and the gradients, large-ε examples and interpolations of Figures 2-4 in colour. Four graded exercises.',
  '04-imagenet': 'Figures 2-4 on Restricted ImageNet photos: a standard ImageNet model\'s loss gradients, large-ε adversarial examples and the line from a photo to its example; with a robust checkpoint (Salman et al. 2020) set, the robust model\'s beside them. Both are 1000-class ImageNet models, not the paper\'s 9-class ones: the chapter says what that changes. Four graded exercises.',
};

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Chapter { name: string; title: string; paragraph: string; html: string; pdf?: string; notebook?: string }

/** The chapter's title (its <title>) and first paragraph of prose after its h1, as text (formulas left out). */
export function chapterSummary(html: string): { title: string; paragraph: string } {
  const title = /<title>([^<]*)<\/title>/.exec(html)?.[1].trim() ?? '';
  const afterH1 = html.slice(Math.max(0, html.search(/<h1[\s>]/)));
  const paragraphs = [...afterH1.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => m[1]
    .replace(/<mjx-container[\s\S]*?<\/mjx-container>/g, '…').replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, '\'')
    .replace(/\s+/g, ' ').trim());
  // The chapter's own opening, not its by-line ("Chapter 2 of at-odds, after Tsipras et al. ...").
  const opening = paragraphs.filter((p) => !/^Chapter \d+ of at-odds/.test(p));
  const prose = opening.find((p) => p.length > 120 && !p.includes('…')) ?? opening.find((p) => p.length > 60) ?? paragraphs[0] ?? '';
  return { title: title.replace(/&amp;/g, '&'), paragraph: prose };
}

/** A chapter of ours is described by ABOUT; another handout by its own opening paragraph. */
function withAbout(name: string, summary: { title: string; paragraph: string }): { title: string; paragraph: string } {
  return { ...summary, paragraph: ABOUT[name] ?? summary.paragraph };
}

/** The chapters in outputs/handouts (NN-name.html), in order, with what exists beside each. */
export function findChapters(dir: string): Chapter[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^\d\d-[\w-]+\.html$/.test(f)).sort().map((f) => {
    const name = f.replace(/\.html$/, '');
    const pdf = `${name}.pdf`;
    const notebook = `notebooks/${name}.ipynb`;
    return {
      name, html: f, ...withAbout(name, chapterSummary(fs.readFileSync(path.join(dir, f), 'utf8'))),
      pdf: fs.existsSync(path.join(dir, pdf)) ? pdf : undefined,
      notebook: fs.existsSync(path.join(dir, notebook)) ? notebook : undefined,
    };
  });
}

const NAV_CSS = '.at-odds-nav{display:flex;flex-wrap:wrap;gap:4px 18px;font:14px sans-serif;padding:6px 0;border-bottom:1px solid #ccc;margin-bottom:8px}'
  + '.at-odds-nav a{color:#0550ae}@media print{.at-odds-nav{display:none}}';

/** The navigation bar of chapter `i`: the course page, its neighbours, its PDF and notebook. */
export function navHtml(chapters: Chapter[], i: number): string {
  const c = chapters[i];
  const link = (href: string, text: string, rel = '') => `<a href="${esc(href)}"${rel ? ` rel="${rel}"` : ''}>${esc(text)}</a>`;
  const items = [
    link('index.html', 'Course page', 'index'),
    ...(i > 0 ? [link(chapters[i - 1].html, `← Previous: ${chapters[i - 1].title}`, 'prev')] : []),
    ...(i < chapters.length - 1 ? [link(chapters[i + 1].html, `Next: ${chapters[i + 1].title} →`, 'next')] : []),
    ...(c.pdf ? [link(c.pdf, 'PDF of this chapter')] : []),
    ...(c.notebook ? [link(c.notebook, 'Notebook')] : []),
  ];
  return `<nav class="at-odds-nav" aria-label="Course"><style>${NAV_CSS}</style>${items.join('')}</nav>`;
}

/** The chapter's HTML with its navigation bar (replacing any earlier one) at the top of its <body>. */
export function withNav(html: string, nav: string): string {
  const bare = html.replace(/<nav class="at-odds-nav"[\s\S]*?<\/nav>/, '');
  const body = bare.search(/<body[^>]*>/);
  if (body < 0) throw new Error('a handout without <body>');
  const end = bare.indexOf('>', body) + 1;
  return `${bare.slice(0, end)}\n${nav}${bare.slice(end)}`;
}

/** The first page of a PDF as a small JPEG data: URI (poppler's pdftoppm); '' without poppler. */
function thumbnail(pdf: string): string {
  const r = spawnSync('pdftoppm', ['-f', '1', '-l', '1', '-scale-to', '220', '-jpeg', '-jpegopt', 'quality=80', pdf], { maxBuffer: 16 << 20 });
  return r.status === 0 && r.stdout.length ? `data:image/jpeg;base64,${r.stdout.toString('base64')}` : '';
}

/** The course page. */
export function indexHtml(chapters: Chapter[], dir: string): string {
  const cards = chapters.map((c, i) => {
    const thumb = c.pdf ? thumbnail(path.join(dir, c.pdf)) : '';
    const links = [`<a href="${esc(c.html)}">Read it (HTML, with its live figures)</a>`,
      ...(c.pdf ? [`<a href="${esc(c.pdf)}">PDF</a>`] : []), ...(c.notebook ? [`<a href="${esc(c.notebook)}">Notebook (.ipynb)</a>`] : [])];
    return `<section class="chapter" aria-labelledby="ch-${i + 1}">
${thumb ? `<a href="${esc(c.html)}" tabindex="-1"><img class="thumb" src="${thumb}" alt="The first page of chapter ${i + 1}'s handout" width="170"></a>` : ''}
<div><h2 id="ch-${i + 1}">Chapter ${i + 1}. ${esc(c.title)}</h2>
<p>${esc(c.paragraph)}</p>
<p><strong>Try it:</strong> ${esc(LIVE[c.name] ?? 'See the chapter.')}</p>
<p class="links">${links.join(' · ')}</p></div>
</section>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Robustness May Be at Odds with Accuracy: a course in ${chapters.length} chapters</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;color:#1f2328;max-width:960px;margin:0 auto;padding:16px}
h1{font-size:28px;margin:8px 0}h2{font-size:20px;margin:4px 0}
.chapter{display:flex;gap:18px;align-items:flex-start;border-top:1px solid #d0d7de;padding:14px 0}
.thumb{border:1px solid #999;display:block}a{color:#0550ae}.cite{color:#333;font-size:15px}
@media (max-width:600px){.chapter{flex-direction:column}}
</style></head>
<body><main>
<h1>Robustness May Be at Odds with Accuracy: a course in ${chapters.length} chapters</h1>
<p class="cite">A reproduction, in TypeScript notebooks, of ${esc(CITATION)}</p>
<p>Each chapter is a page with live figures (it runs in your browser, offline), a PDF for printing and the notebook it was made from. <a href="at-odds.pdf">All chapters in one PDF (at-odds.pdf)</a>.</p>
${cards}
</main></body></html>
`;
}

/**
 * The four chapters in one HTML for printing: chapter 1's head, then each chapter's body from a new
 * page; the live parts (explorers, theory figures) print their starting picture, so their data and code
 * are left out (plotly.js stays: the plots draw with it).
 */
export function bookHtml(chapters: Chapter[], dir: string): string {
  const htmls = chapters.map((c) => fs.readFileSync(path.join(dir, c.html), 'utf8'));
  const head = /<head>([\s\S]*?)<\/head>/.exec(htmls[0])?.[1].replace(/<title>[^<]*<\/title>/, '') ?? '';
  const bodies = htmls.map((h) => (/<body[^>]*>([\s\S]*)<\/body>/.exec(h)?.[1] ?? '')
    .replace(/<nav class="at-odds-nav"[\s\S]*?<\/nav>/, '')
    .replace(/<script\b([^>]*)>([\s\S]*?)<\/script>/g, (all, attrs: string, code: string) =>
      (/class="ao-(data|bundle)"/.test(attrs) || /closest\('\.at-odds-(explorer|theory)'\)/.test(code) ? '' : all)));
  return `<!DOCTYPE html>\n<html lang="en">\n<head>${head}<title>Robustness May Be at Odds with Accuracy: the course (at-odds)</title>
<style>.at-odds-chapter{break-before:page}.at-odds-chapter:first-child{break-before:auto}</style></head>
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">${bodies.map((b) => `<div class="at-odds-chapter">${b}</div>`).join('\n')}</body></html>`;
}

/**
 * Writes the course site into `dir` (outputs/handouts): copies the executed notebooks beside it
 * (`notebooksDir`), adds each chapter's navigation, writes index.html and, with Chromium, at-odds.pdf.
 */
export async function writeCourseSite(dir: string, opts: { notebooksDir?: string; chromium?: string | null } = {}): Promise<{ index: string; pdf?: string }> {
  if (opts.notebooksDir && fs.existsSync(opts.notebooksDir)) {
    fs.mkdirSync(path.join(dir, 'notebooks'), { recursive: true });
    for (const f of fs.readdirSync(opts.notebooksDir).filter((n) => /^\d\d-[\w-]+\.ipynb$/.test(n))) {
      if (fs.existsSync(path.join(dir, `${f.replace(/\.ipynb$/, '')}.html`))) writeFileAtomic(path.join(dir, 'notebooks', f), fs.readFileSync(path.join(opts.notebooksDir, f)));
    }
  }
  const chapters = findChapters(dir);
  if (!chapters.length) throw new Error(`no chapter handouts (NN-name.html) in ${dir}: run the notebooks first`);
  chapters.forEach((c, i) => {
    const file = path.join(dir, c.html);
    writeFileAtomic(file, withNav(fs.readFileSync(file, 'utf8'), navHtml(chapters, i)));
  });
  const index = path.join(dir, 'index.html');
  writeFileAtomic(index, indexHtml(chapters, dir));
  if (!opts.chromium) return { index };
  const book = path.join(dir, '.at-odds-book.html');
  fs.writeFileSync(book, bookHtml(chapters, dir));
  try {
    const pdf = path.join(dir, 'at-odds.pdf');
    await printToPdf(opts.chromium, book, pdf);
    return { index, pdf };
  } finally {
    fs.rmSync(book, { force: true });
  }
}
