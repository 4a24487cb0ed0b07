import { Tinypool } from 'tinypool';
import type { RunChunk } from './parallel-sweep';

/**
 * Runs `use` with a pool of `workers` threads that sweep chunks, and shuts the pool down after.
 * The worker is the compiled `sweep-worker.js` next to this file in `dist/`: Node runs it without
 * a TypeScript loader, so the pool works from the build, not from the sources.
 */
export async function withSweepPool<T>(workers: number, use: (runChunk: RunChunk) => Promise<T>): Promise<T> {
  const pool = new Tinypool({
    filename: new URL('./sweep-worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  try {
    return await use((chunk) => pool.run(chunk));
  } finally {
    await pool.destroy();
  }
}
