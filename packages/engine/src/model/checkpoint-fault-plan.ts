import type { CheckpointFault, CheckpointFaultKind } from '../scenario/fault-catalogue';

/**
 * What the `fault-fired` event of each checkpoint fault says, after `checkpoint K: `. It is also
 * the list of stages the model must take each kind at: the coordinator takes all but
 * commit-rejected (`CheckpointCoordinator.fire`), a sink's commit call takes commit-rejected
 * (`Simulation.commitRejected`). A new checkpoint kind is named here by the compiler; it fires
 * only once one of those places takes it.
 */
export const CHECKPOINT_FAULT_FIRED: Record<
  CheckpointFaultKind,
  (subtask: number, fault: CheckpointFault) => string
> = {
  'crash-after-precommit': (subtask, fault) =>
    fault.kind === 'crash-after-precommit' && fault.stage === 'after-acks'
      ? `every task acknowledged; then sink ${subtask} dies: the acknowledgements complete the checkpoint`
      : `sink ${subtask} pre-committed, then dies before acknowledging: the checkpoint cannot complete`,
  'checkpoint-abort': () => 'declined after the sinks pre-committed',
  'crash-before-notify': () => 'completed; the job fails before notifying the tasks',
  'notify-lost': () => 'the completion notification is lost',
  'crash-during-commit': () => 'subtask 0 committed; the job fails before the others',
  'commit-rejected': (subtask) => `the store rejects subtask ${subtask}'s commit (TxnFailedException)`,
};

/**
 * Which checkpoint-stage faults apply to which checkpoint. A fault names its checkpoint K, or
 * (when injected by a click or scheduled by time) applies to the first checkpoint that reaches its
 * stage at or after `atMs`. Each fault fires at most once.
 */
export class CheckpointFaultPlan {
  private readonly armed: { fault: CheckpointFault; fired: boolean }[] = [];

  add(fault: CheckpointFault): void {
    this.armed.push({ fault, fired: false });
  }

  /**
   * Consumes and returns the fault of this kind that applies to checkpoint `id` at time t, if any;
   * `accepts` narrows it further (the sink subtask a commit-rejected fault aims at).
   */
  take(
    kind: CheckpointFaultKind,
    checkpointId: number,
    t: number,
    accepts: (fault: CheckpointFault) => boolean = always,
  ): CheckpointFault | null {
    for (const entry of this.armed) {
      if (entry.fired || entry.fault.kind !== kind || !accepts(entry.fault)) continue;
      const f = entry.fault;
      const applies = f.checkpoint !== undefined ? f.checkpoint === checkpointId : (f.atMs ?? 0) <= t;
      if (applies) {
        entry.fired = true;
        return f;
      }
    }
    return null;
  }
}

function always(): boolean {
  return true;
}
