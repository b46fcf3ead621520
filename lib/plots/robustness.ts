// Robust accuracy against eps, one line per model: the MNIST and CIFAR chapters' main figure.
import type { CurveRow } from '../eval/accuracy';
import type { Figure } from './figure';
import { formatEps, normSymbol } from '../attacks/threat';
import { intervalBars } from './intervals';

/**
 * `rows` for several models, each row tagged with its model's name in `model`. Each point carries its
 * 95% interval over its row's n test images: error bars, and [lo, hi, n] in customdata.
 */
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
      const ys = rs.map((r) => r.robust_acc);
      const { error_y, customdata } = intervalBars(ys, rs.map((r) => r.n));
      return { x: rs.map((r) => r.eps), y: ys, name: model, mode: 'lines+markers', error_y, customdata,
        hovertemplate: `${model}, ε %{x}: %{y:.1%} [%{customdata[0]:.1%}, %{customdata[1]:.1%}] on %{customdata[2]} images<extra></extra>` };
    }),
    layout: {
      title: { text: opts.title ?? `Robust accuracy under ${normSymbol(threats[0])} PGD (n = ${n} test images; bars: 95% intervals)` },
      xaxis: { title: { text: 'ε' }, ...levels },
      yaxis: { title: { text: 'accuracy' }, range: [0, 1.02] },
    },
  };
}
