// Small helpers for the commands' options: numbers that are checked where they are read.
export function num(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v)) throw new Error(`--${name} must be a number, got '${value}'`);
  return v;
}

/** A count: an integer >= 1 (batch sizes, steps, epochs, images). */
export function count(name: string, value: string | undefined, fallback?: number): number {
  const v = int(name, value, fallback);
  if (v < 1) throw new Error(`--${name} must be an integer >= 1, got '${value}'`);
  return v;
}

export function int(name: string, value: string | undefined, fallback?: number): number {
  const v = num(name, value, fallback);
  if (!Number.isInteger(v)) throw new Error(`--${name} must be an integer, got '${value}'`);
  return v;
}
