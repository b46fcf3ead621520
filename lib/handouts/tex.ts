// TeX to SVG when a handout is exported: the math then travels as pictures, not as MathJax itself
// (2.3 MB of script per handout), renders without JavaScript and prints as it looks. Each picture is
// hidden from screen readers and carries its MathML beside it (MathJax's assistive MathML, visually
// clipped away), which a screen reader reads as math (WCAG 1.1.1: no unlabelled SVG).
// Run as a script, it reads [{tex, display}] as JSON on stdin and writes {svgs, css} on stdout.

export interface TexItem { tex: string; display: boolean }

interface MathJaxApi {
  tex2svg(tex: string, opts: { display: boolean }): unknown;
  svgStylesheet(): unknown;
  startup: { adaptor: { outerHTML(node: unknown): string; textContent(node: unknown): string } };
}

export async function texToSvg(items: TexItem[]): Promise<{ svgs: string[]; css: string }> {
  // 'local' font cache: every equation carries its own glyphs, so that each stands alone in the page.
  // The stylesheet then holds the assistive MathML's styles too (clipped to nothing, still read).
  const MathJax = (await require('mathjax').init({
    loader: { load: ['input/tex-full', 'output/svg', 'a11y/assistive-mml'] }, svg: { fontCache: 'local' },
  })) as MathJaxApi;
  const { adaptor } = MathJax.startup;
  const svgs = items.map(({ tex, display }) => adaptor.outerHTML(MathJax.tex2svg(tex, { display })));
  return { svgs, css: adaptor.textContent(MathJax.svgStylesheet()) };
}

if (require.main === module) {
  const chunks: Buffer[] = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', async () => {
    const out = await texToSvg(JSON.parse(Buffer.concat(chunks).toString('utf8')) as TexItem[]);
    process.stdout.write(JSON.stringify(out));
  });
}
