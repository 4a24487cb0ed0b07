/**
 * Rewrites test/fingerprint.json from the engine as it is: run it only when a change to the
 * model's outcomes is meant (say so in the commit), never to make a refactor's test pass.
 * `npm run fingerprint:update -w @eolab/engine`
 */
import { writeFileSync } from 'node:fs';
import { fingerprint } from '../test/fingerprint';

const file = new URL('../test/fingerprint.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(fingerprint(), null, 1)}\n`);
console.log(`wrote ${file.pathname}`);
