import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepDetail, SweepSummary } from '@eolab/protocol';
import type { Logger } from 'pino';
import { KEPT_SWEEPS, type RunningElsewhere, type StoredSweep, type SweepStore } from './sweep-store';

/**
 * Sweeps in files, one server's own (the default): each sweep that ended is a file under the data
 * directory (`sweeps/<id>.json`: its spec, state and result), so the list and any result survive a
 * restart and a link to a sweep keeps working. A running sweep is held in memory only: one the
 * server did not finish (it was killed) is not listed after a restart. The summaries are held in
 * memory too (read from the files at start), so a list reads no file.
 */
export class FileSweepStore implements SweepStore {
  private readonly summaries = new Map<string, SweepSummary>();
  private readonly dir: string;

  constructor(dataDir: string, log: Logger) {
    this.dir = join(dataDir, 'sweeps');
    mkdirSync(this.dir, { recursive: true });
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.json'))) {
      try {
        const detail = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as SweepDetail;
        const { result: _result, verification: _verification, ...summary } = detail;
        this.summaries.set(summary.id, summary);
      } catch (error) {
        log.warn({ file, err: error }, 'a stored sweep cannot be read: left out of the list');
      }
    }
  }

  async list(): Promise<SweepSummary[]> {
    return [...this.summaries.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async get(id: string): Promise<StoredSweep | null> {
    const summary = this.summaries.get(id);
    if (summary === undefined) return null;
    if (summary.state === 'running') return { detail: { ...summary, result: null }, owner: null };
    const stored = JSON.parse(await readFile(this.fileOf(id), 'utf8')) as SweepDetail;
    return { detail: { ...stored, ...summary }, owner: null };
  }

  async claim(summary: SweepSummary): Promise<RunningElsewhere | null> {
    const running = [...this.summaries.values()].find((s) => s.state === 'running');
    if (running !== undefined) return { id: running.id, owner: null };
    this.summaries.set(summary.id, { ...summary });
    return null;
  }

  progress(summary: SweepSummary): void {
    this.summaries.set(summary.id, { ...summary });
  }

  async finish(detail: SweepDetail): Promise<void> {
    const { result: _result, verification: _verification, ...summary } = detail;
    try {
      await writeFile(this.fileOf(detail.id), JSON.stringify(detail));
    } finally {
      // Listed as ended even when its file could not be written (the manager keeps its result).
      this.summaries.set(summary.id, summary);
    }
    await this.prune();
  }

  /** A server's files are its own: no other server can leave a sweep running here. */
  async failOrphans(): Promise<SweepSummary[]> {
    return [];
  }

  close(): void {}

  private async prune(): Promise<void> {
    const old = (await this.list()).filter((s) => s.state !== 'running').slice(KEPT_SWEEPS);
    for (const s of old) {
      this.summaries.delete(s.id);
      await rm(this.fileOf(s.id), { force: true });
    }
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
