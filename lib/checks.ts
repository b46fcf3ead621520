// Argument checks shared by the library, so that a bad value gets the same clear message everywhere.

export function checkPositiveInt(name: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new Error(`${name} must be an integer >= 1, got ${v}`);
  return v;
}

export function checkNonNegative(name: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new Error(`${name} must be a number >= 0, got ${v}`);
  return v;
}
