// A plotly figure with our defaults filled in: in Node for the notebook's outputs, in the page for
// the live figures, which redraw themselves.
export type Trace = Record<string, unknown>;
export type Layout = Record<string, unknown>;

export interface Figure {
  data: Trace[];
  layout?: Layout;
  config?: Record<string, unknown>;
}

const DEFAULT_LAYOUT: Layout = {
  template: undefined,
  font: { family: 'Helvetica, Arial, sans-serif', size: 13 },
  margin: { l: 60, r: 20, t: 50, b: 50 },
  height: 420,
  autosize: true,
};

/** The figure with our defaults filled in: what plotly.newPlot takes, and the plotly mimetype carries. */
export function figureSpec(fig: Figure): Required<Figure> {
  return {
    data: fig.data,
    // Titles start at the left, clear of plotly's toolbar at the top right.
    layout: { ...DEFAULT_LAYOUT, ...fig.layout, title: { x: 0.01, xanchor: 'left', ...(fig.layout?.title as object | undefined) } },
    config: { responsive: true, displaylogo: false, ...fig.config },
  };
}
