// TeX to SVG when a handout is exported: the math then travels as pictures, not as MathJax itself
// (2.3 MB of script per handout), renders without JavaScript and prints as it looks.
// Run as a script, it reads [{tex, display}] as JSON on stdin and writes {svgs, css} on stdout.

export interface TexItem { tex: string; display: boolean }

interface MathJaxApi {
  tex2svg(tex: string, opts: { display: boolean }): unknown;
  svgStylesheet(): unknown;
  startup: { adaptor: { outerHTML(node: unknown): string; textContent(node: unknown): string } };
}

export async function texToSvg(items: TexItem[]): Promise<{ svgs: string[]; css: string }> {
  // 'local' font cache: every equation carries its own glyphs, so that each stands alone in the page.
  const MathJax = (await require('mathjax').init({ loader: { load: ['input/tex-full', 'output/svg'] }, svg: { fontCache: 'local' } })) as MathJaxApi;
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
