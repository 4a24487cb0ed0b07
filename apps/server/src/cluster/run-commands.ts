import type { Fault, InjectRequest } from '@eolab/engine';
import type { RunSummary, Speed } from '@eolab/protocol';
import type { SerializedJson } from '../http/shared-json';
import type { RunManager } from '../runs/run-manager';

/**
 * What a watcher may ask of a run, wherever the run lives: on this server (the run manager), or,
 * in a cluster, on the server that created it (cluster.ts forwards the command there). The socket
 * handlers and the REST routes ask this, never the run manager directly, for these four.
 */
export interface RunCommands {
  control(runId: string, action: 'start' | 'pause' | 'resume' | 'stop'): Promise<RunSummary>;
  setSpeed(runId: string, speed: Speed): Promise<RunSummary>;
  inject(runId: string, fault: InjectRequest, seenMs: number | undefined): Promise<Fault>;
  /** The run's snapshot (a RunSnapshot), serialised: from its owner while it is live, else from history. */
  snapshotJson(runId: string): Promise<SerializedJson>;
}

/** One server: every run is this server's. */
export function localCommands(manager: RunManager): RunCommands {
  return {
    control: async (runId, action) => manager.control(runId, action),
    setSpeed: async (runId, speed) => manager.setSpeed(runId, speed),
    inject: async (runId, fault, seenMs) => manager.inject(runId, fault, seenMs),
    snapshotJson: async (runId) => manager.snapshotJson(runId),
  };
}
