// `node scripts/eolab-cpu-timed.mjs ARGS`: runs `eolab ARGS`, then prints to stderr the CPU time the
// process used, all its threads together (a sweep's workers are threads), as `cpu-seconds S`.
// bench-cli.mjs reads it: on a machine others share, CPU time says what a sweep costs when its
// wall time says mostly how busy the cores were.
const { main } = await import(new URL('../apps/cli/dist/main.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2), process.stdout, process.stderr);
const usage = process.resourceUsage();
process.stderr.write(`\ncpu-seconds ${(usage.userCPUTime + usage.systemCPUTime) / 1e6}\n`);
