#!/usr/bin/env node
// The at-odds command: TypeScript sources run through tsx, so there is no build step.
require('tsx/cjs');
require('../lib/cli/main.ts');
