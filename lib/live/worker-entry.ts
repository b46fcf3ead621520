// The explorer worker's bundle (lib/plots/bundle.ts builds it, and the page's bundle carries its text):
// inside a Web Worker it serves the page's requests; evaluated in the page itself (where no worker can
// start) it leaves serve() for lib/live/attack.ts to call over a MessageChannel.
import { Port, serve } from './worker';

declare const WorkerGlobalScope: { new (): unknown } | undefined;

const scope = globalThis as unknown as Port & { atOddsServeAttacks?: typeof serve };
if (typeof WorkerGlobalScope !== 'undefined' && scope instanceof WorkerGlobalScope) serve(scope);
else scope.atOddsServeAttacks = serve;
