// '@tensorflow/tfjs' as the explorer page's main thread sees it (lib/plots/bundle.ts points the import
// here): nothing. The page only draws; TensorFlow.js runs in its worker (lib/live/worker.ts). Modules the
// page imports for a constant or a pure function (the colours of figures/gradients.ts, normSymbol) also
// import TensorFlow.js, and would otherwise pull all of it into the page a second time.
export {};
