import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/** `npm run screenshots`: the README's screenshots, from real runs; rewrites docs/screenshots/*.png. */
export default defineConfig({
  ...base,
  testMatch: 'screenshots.spec.ts',
  testIgnore: [],
});
