// Accuracies on curves carry their 95% interval: error bars that plotly draws, and the same numbers as
// data ([lo, hi, n] per point in customdata) for hover text and for whoever renders the figure's data as a table.
import { accuracyInterval, Interval } from '../eval/interval';

/**
 * Plotly error bars (and customdata [lo, hi, n] per point, for hover text and for renderers that draw
 * their own table) of accuracies each counted on n images: the 95% Wilson interval.
 */
export function intervalBars(ys: number[], ns: number[]): { error_y: Record<string, unknown>; customdata: number[][]; intervals: Interval[] } {
  const intervals = ys.map((y, i) => accuracyInterval(y, ns[i]));
  return {
    error_y: { type: 'data', symmetric: false, array: intervals.map((c) => c.hi - c.p), arrayminus: intervals.map((c) => c.p - c.lo), thickness: 1, width: 3 },
    customdata: intervals.map((c) => [c.lo, c.hi, c.n]),
    intervals,
  };
}
