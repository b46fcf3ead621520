// Markdown tables, which Jupyter and the handouts both render.

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`table row ${i} has ${r.length} cells, the header has ${header.length}`);
  });
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
