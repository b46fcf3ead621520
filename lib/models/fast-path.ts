// One switch for the fast paths of our layers (lib/models/batch-norm.ts, lib/models/conv.ts): on by
// default; the equivalence tests turn it off to compare against tfjs-layers' own code.
import { forgetCompiled } from '../backend/compiled';

let enabled = true;

export function fastLayers(): boolean {
  return enabled;
}

/** Uses tfjs-layers' stock code in every layer (false), or our fast paths (true, the default). */
export function setFastLayers(on: boolean): void {
  if (on !== enabled) forgetCompiled();
  enabled = on;
}
