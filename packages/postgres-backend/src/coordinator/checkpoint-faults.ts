import type { Fault, CheckpointFaultKind as ModelCheckpointFaultKind } from '@eolab/engine';

/** The model's checkpoint faults this backend reproduces (faults.ts says why not the others). */
export type CheckpointFaultKind = Extract<
  ModelCheckpointFaultKind,
  'crash-after-precommit' | 'crash-before-notify' | 'notify-lost'
>;

/**
 * The scenario's checkpoint faults, each fired once: a fault names checkpoint K, or takes the
 * first checkpoint reaching its stage at or after atMs (ms since the job's start, real time).
 */
export class CheckpointFaults {
  private readonly fired = new Set<number>();

  private readonly faults: Fault[];

  constructor(faults: readonly Fault[]) {
    this.faults = [...faults];
  }

  /** A fault injected while the job runs joins the plan. */
  add(fault: Fault): void {
    this.faults.push(fault);
  }

  /** The fault of this kind aimed at checkpoint id, now `elapsedMs` into the job (and `accepts`); null when none. */
  take(
    kind: CheckpointFaultKind,
    id: number,
    elapsedMs: number,
    accepts: (fault: Fault) => boolean = () => true,
  ): Fault | null {
    const index = this.faults.findIndex(
      (f, i) => f.kind === kind && !this.fired.has(i) && aims(f, id, elapsedMs) && accepts(f),
    );
    if (index < 0) return null;
    this.fired.add(index);
    return this.faults[index]!;
  }
}

function aims(fault: Fault, id: number, elapsedMs: number): boolean {
  if (!('checkpoint' in fault)) return false;
  if (fault.checkpoint !== undefined) return fault.checkpoint === id;
  return fault.atMs !== undefined && elapsedMs >= fault.atMs;
}

/** Where a crash-after-precommit strikes: before the last acknowledgement (the default), or after every one. */
export function precommitCrashStage(fault: Fault): 'before-ack' | 'after-acks' {
  return fault.kind === 'crash-after-precommit' && fault.stage === 'after-acks' ? 'after-acks' : 'before-ack';
}
