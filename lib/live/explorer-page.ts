// The explorer's page bundle (built by lib/plots/bundle.ts): what the explorer's loader script calls.
import { explorer } from './explorer';

const w = window as unknown as { atOddsLive?: object };
w.atOddsLive = { explorer }; // a newer bundle (a cell run again) replaces an older one
