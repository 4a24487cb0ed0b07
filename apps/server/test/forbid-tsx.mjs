// `node --import ./forbid-tsx.mjs`: any import of tsx (a TypeScript loader) in this process fails
// loudly, so a test can show that the compiled server never loads one.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'tsx' || specifier.startsWith('tsx/')) throw new Error('a TypeScript loader was imported: ' + specifier);
  return next(specifier, context);
}`)}`,
);
