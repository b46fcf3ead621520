// A slider over precomputed values (an "epsilon slider"): every frame is drawn in advance and the
// slider only switches which traces are visible, so it works in a handout with no kernel behind it.
import type { Figure, Layout, Trace } from './figure';

export interface SliderSpec<V> {
  /** The values the slider stops at, e.g. a grid of eps. */
  values: V[];
  /** Slider caption, e.g. 'eps = '. */
  label: string;
  /** How a value is written on the slider. */
  format?: (v: V) => string;
  /** The traces shown at one value; every value must give the same number of traces. */
  frame: (v: V, index: number) => Trace[];
  /** Traces shown at every value (a bound, a reference line). */
  fixed?: Trace[];
  /** The figure title at one value. */
  title?: (v: V) => string;
  layout?: Layout;
  /** Index of the value shown first (default 0). */
  initial?: number;
}

export function sliderFigure<V>(spec: SliderSpec<V>): Figure {
  const { values, frame, fixed = [], format = String } = spec;
  if (values.length === 0) throw new Error('a slider needs at least one value');
  const initial = spec.initial ?? 0;
  if (!(initial >= 0 && initial < values.length)) throw new Error(`initial index ${initial} is outside 0..${values.length - 1}`);
  const frames = values.map((v, i) => frame(v, i));
  const perFrame = frames[0].length;
  frames.forEach((f, i) => {
    if (f.length !== perFrame) throw new Error(`slider frame ${i} has ${f.length} traces, frame 0 has ${perFrame}`);
  });
  const data: Trace[] = [
    ...fixed,
    ...frames.flatMap((f, i) => f.map((t) => ({ ...t, visible: i === initial }))),
  ];
  const visibleAt = (i: number) => data.map((_, k) => k < fixed.length || Math.floor((k - fixed.length) / perFrame) === i);
  const titleText = (i: number) => (spec.title ? spec.title(values[i]) : undefined);
  const steps = values.map((v, i) => ({
    label: format(v),
    method: 'update',
    args: [{ visible: visibleAt(i) }, spec.title ? { 'title.text': titleText(i) } : {}],
  }));
  return {
    data,
    layout: {
      ...spec.layout,
      ...(spec.title ? { title: { text: titleText(initial) } } : {}),
      height: (spec.layout?.height as number | undefined) ?? 500,
      sliders: [{ active: initial, currentvalue: { prefix: spec.label }, pad: { t: 50 }, steps }],
    },
  };
}
