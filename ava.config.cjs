// `npm test` runs test/*.test.ts; `npm run test:slow` (AT_ODDS_SLOW=1) runs the full-size checks in test/slow/.
module.exports = {
  files: process.env.AT_ODDS_SLOW ? ['test/slow/*.test.ts'] : ['test/*.test.ts'],
  extensions: { ts: 'commonjs' },
  nodeArguments: ['--import=tsx'],
  // node-canvas crashes at worker-thread exit: run each test file in its own process instead.
  workerThreads: false,
  timeout: '10m',
};
