// A class as people read it: its name where the data set has names (CIFAR-10), its number otherwise.

export function className(k: number, classNames?: readonly string[]): string {
  return classNames?.[k] ?? String(k);
}
