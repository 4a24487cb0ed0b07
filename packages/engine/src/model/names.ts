/**
 * One name for a transaction everywhere (CLI, report, dashboard): the checkpoint it is
 * pre-committed under and its sink subtask, `cp5·s0`, with the attempt when it is not the first
 * (`cp5·s0·a2`): after a restore, checkpoint ids go on counting, but a restored attempt can open a
 * transaction for the same checkpoint id as one of the failed attempt. Its store id goes in a tooltip.
 */
export function txnName(ref: { epoch: number; subtask: number; attempt: number }): string {
  const base = `cp${ref.epoch}·s${ref.subtask}`;
  return ref.attempt > 1 ? `${base}·a${ref.attempt}` : base;
}

/** The source's index where tasks are numbered: sink subtasks are 0, 1, ... */
export const SOURCE_TASK = -1;

const SINK_NAMES = Array.from({ length: 16 }, (_, i) => `sink-${i}`);

/** The task names events carry: `source`, `sink-0`, `sink-1`, ... */
export function taskName(task: number): string {
  return task === SOURCE_TASK ? 'source' : (SINK_NAMES[task] ?? `sink-${task}`);
}
