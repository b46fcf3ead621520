// '@tensorflow/tfjs' as the page bundle sees it (lib/plots/bundle.ts points the import here): core with
// its gradients and chained ops (x.slice(...)), layers and the cpu backend, as the union package
// imports them, without the converter, data and webgl packages that nothing here uses.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
