// Robust accuracy against eps, one line per model: the MNIST and CIFAR chapters' main figure.
import type { CurveRow } from '../eval/accuracy';
import type { Figure } from './figure';

/** `rows` for several models, each row tagged with its model's name in `model`. */
export function robustCurveFigure(rows: (CurveRow & { model: string })[], opts: { title?: string } = {}): Figure {
  const models = [...new Set(rows.map((r) => r.model))];
  const threats = [...new Set(rows.map((r) => r.threat))];
  if (threats.length !== 1) throw new Error(`one threat model per figure, got ${threats.join(', ')}`);
  const n = Math.min(...rows.map((r) => r.n));
  return {
    data: models.map((model) => {
      const rs = rows.filter((r) => r.model === model).sort((a, b) => a.eps - b.eps);
      return { x: rs.map((r) => r.eps), y: rs.map((r) => r.robust_acc), name: model, mode: 'lines+markers' };
    }),
    layout: {
      title: { text: opts.title ?? `Robust accuracy under ${threats[0] === 'linf' ? 'ℓ∞' : 'ℓ2'} PGD (${n} test images)` },
      xaxis: { title: { text: 'ε' } },
      yaxis: { title: { text: 'accuracy' }, range: [0, 1.02] },
    },
  };
}
