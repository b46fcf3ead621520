// Robust accuracy against eps, one line per model: the MNIST and CIFAR chapters' main figure.
import type { CurveRow } from '../eval/accuracy';
import type { Figure } from './figure';
import { formatEps, normSymbol } from '../attacks/threat';

/** `rows` for several models, each row tagged with its model's name in `model`. */
export function robustCurveFigure(rows: (CurveRow & { model: string })[], opts: { title?: string } = {}): Figure {
  const models = [...new Set(rows.map((r) => r.model))];
  const threats = [...new Set(rows.map((r) => r.threat))];
  if (threats.length !== 1) throw new Error(`one threat model per figure, got ${threats.join(', ')}`);
  const n = Math.min(...rows.map((r) => r.n));
  // Budgets counted in grey levels (CIFAR-10's 8/255) are labelled so, not as 0.0314.
  const epsList = [...new Set(rows.map((r) => r.eps))].sort((a, b) => a - b);
  const levels = epsList.some((e) => formatEps(e).endsWith('/255')) ? { tickvals: epsList, ticktext: epsList.map(formatEps) } : {};
  return {
    data: models.map((model) => {
      const rs = rows.filter((r) => r.model === model).sort((a, b) => a.eps - b.eps);
      return { x: rs.map((r) => r.eps), y: rs.map((r) => r.robust_acc), name: model, mode: 'lines+markers' };
    }),
    layout: {
      title: { text: opts.title ?? `Robust accuracy under ${normSymbol(threats[0])} PGD (${n} test images)` },
      xaxis: { title: { text: 'ε' }, ...levels },
      yaxis: { title: { text: 'accuracy' }, range: [0, 1.02] },
    },
  };
}
