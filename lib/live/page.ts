// The page bundle's entry (built by lib/live/bundle.ts): what the explorer's loader script calls.
import { explorer } from './explorer';

const w = window as unknown as { atOddsLive?: object };
w.atOddsLive ??= { explorer };
