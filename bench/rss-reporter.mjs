// Preloaded with `node --import` into a measured process: reports its peak RSS when it exits.
process.on('exit', () => {
  process.stderr.write(`__PEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
