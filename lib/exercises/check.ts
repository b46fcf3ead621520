// What an exercise's test cell calls: each check throws an Error that says what was expected and what
// came, so that a student reads the failure and knows what to change (nbgrader scores a test cell by
// whether it raised).

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(8);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = Array.from(v as ArrayLike<number>);
    return `[${a.slice(0, 6).map(show).join(', ')}${a.length > 6 ? `, ... (${a.length} values)` : ''}]`;
  }
  return JSON.stringify(v);
}

/** A number within tol of want. */
export function expectClose(name: string, got: unknown, want: number, tol = 1e-6): void {
  if (typeof got !== 'number' || Number.isNaN(got)) throw new Error(`${name}: expected the number ${show(want)}, got ${show(got)}`);
  if (!(Math.abs(got - want) <= tol)) throw new Error(`${name}: expected ${show(want)} (within ${tol}), got ${show(got)}`);
}

/** An array of numbers, of want's length, each within tol of want's; the error names the first that is not. */
export function expectArrayClose(name: string, got: unknown, want: ArrayLike<number>, tol = 1e-6): void {
  if (!(Array.isArray(got) || ArrayBuffer.isView(got))) throw new Error(`${name}: expected an array of ${want.length} numbers, got ${show(got)}`);
  const g = got as ArrayLike<number>;
  if (g.length !== want.length) throw new Error(`${name}: expected ${want.length} values, got ${g.length}`);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < want.length; i++) {
    if (!(typeof g[i] === 'number' && Math.abs(g[i] - want[i]) <= tol)) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new Error(`${name}: ${bad} of ${want.length} values differ by more than ${tol}; the first at index ${first}: expected ${show(want[first])}, got ${show(g[first])}`);
  }
}

/** Exactly want (an integer, a name): the answer is a choice, not a measurement. */
export function expectEqual<T>(name: string, got: unknown, want: T): void {
  if (got !== want) throw new Error(`${name}: expected ${show(want)}, got ${show(got)}`);
}
