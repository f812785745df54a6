#!/usr/bin/env node
// With --verbose, stack traces of internal errors name the source files rather than places in the bundle.
if (process.argv.includes('--verbose') || process.argv.includes('-v')) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
