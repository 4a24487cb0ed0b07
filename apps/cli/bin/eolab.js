#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm install`, `npm run build` or `npm test`): compiling
// TypeScript at every start used to cost more than the command itself.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('eolab: not built yet; run `npm run build` in the repository root\n');
  process.exit(2);
}
const { main } = await import(compiled.href);
process.exitCode = await main(process.argv.slice(2), process.stdout, process.stderr);
