// Text for the HTML and SVG Node writes: data inside a <script> element, and text inside an element.

/**
 * JSON that is safe inside a <script> element: no '<' that could end it. `digits` rounds every
 * non-integer number to that many significant digits (a plot needs six, and handouts stay smaller).
 */
export function scriptJson(value: unknown, digits?: number): string {
  const round = digits === undefined ? undefined : (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(digits) : v);
  return JSON.stringify(value, round).replace(/</g, '\\u003c');
}

/** Text safe inside an element or a quoted attribute, of HTML and of SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
