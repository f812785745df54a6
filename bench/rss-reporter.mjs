// Preloaded with `node --import` into a measured process: reports its peak RSS and the CPU time of all its threads
// when it exits.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`__PEAK_RSS_KB=${usage.maxRSS}\n__CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`);
});
