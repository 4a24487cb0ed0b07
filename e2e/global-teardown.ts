import { rmSync } from 'node:fs';
import { E2E_DATA_DIR } from '../playwright.config';

/** Removes the data directory of the server the browser tests ran against. */
export default function globalTeardown(): void {
  rmSync(E2E_DATA_DIR, { recursive: true, force: true });
}
