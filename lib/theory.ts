// Section 2 of the paper: the distribution D(p, eta, d) and what linear classifiers can do on it.
// One file beside the folder, not an index.ts inside it: tslab resolves `./lib/theory` only to a file.
export * from './theory/params';
export * from './theory/normal';
export * from './random';
export * from './theory/distribution';
export * from './theory/linear';
export * from './theory/tradeoff';
export * from './theory/svm';
export * from './theory/experiments';
