#!/usr/bin/env node
// The git filter `at-odds-strip`: a notebook on stdin, the same without outputs on stdout (lib/notebook/strip.ts).
require('tsx/cjs');
const { stripNotebook } = require('../lib/notebook/strip.ts');
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { text += chunk; });
process.stdin.on('end', () => {
  try {
    process.stdout.write(stripNotebook(text));
  } catch (e) {
    // A file that is not a notebook passes through unchanged: git must never lose what it was given.
    process.stderr.write(`strip-notebook: ${e.message}; kept as it is\n`);
    process.stdout.write(text);
  }
});
