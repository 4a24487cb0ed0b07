import type { EventOf } from '../events';
import { exhaustive } from '../kernel/context';
import type { OutageKind } from '../scenario/fault-catalogue';
import type { NotifyTarget, WriterMode } from '../scenario/schema';
import { capitalise, FAILURE_REASONS, txnList, valuesAside } from './narration-phrases';
import { type CheckpointStory, spanOf, type TxnStory } from './narration-story';
import { msText } from './time-text';

/** The narrator's sentences for faults: what each kind does, and the failures they cause. */

/** What a fault does, with the checkpoint it hit and that checkpoint's transactions and values. */
export function faultText(
  e: EventOf<'fault-fired'>,
  story: CheckpointStory | null,
  mode: WriterMode,
  kafka = false,
): string {
  const k = e.checkpointId;
  const txns = story === null ? [] : [...story.txns.values()];
  const holds = (list: TxnStory[]) =>
    list.length === 0 ? '' : ` ${capitalise(txnList(list.map((x) => x.ref)))} (${valuesAside(spanOf(list))})`;
  const plain = mode !== 'EXACTLY_ONCE';
  const duration = e.durationMs === undefined ? '' : ` for ${msText(e.durationMs)}`;
  switch (e.faultKind) {
    case 'mapper-exception':
      return 'the mapper exception finds no running job: nothing fails.';
    case 'crash-after-precommit':
      return e.stage === 'after-acks'
        ? `checkpoint ${k}: every task acknowledged it, then sink ${e.subtask ?? 0} dies; the acknowledgements already sent complete it, and the restore commits its transactions (recoverAndCommit).`
        : `checkpoint ${k}: sink ${e.subtask ?? 0} pre-committed it and dies before acknowledging, so it cannot complete.${holds(txns)}${txns.length > 0 ? ' will not be committed by it.' : ''}`;
    case 'crash-before-notify':
      return `checkpoint ${k} completed at the coordinator, and the job fails before any task hears of it.${
        plain
          ? ' Plain writes: nothing waits on the notification but the source.'
          : `${holds(txns)} stay pre-committed: only the restore can commit them (recoverAndCommit).`
      }`;
    case 'notify-lost': {
      // Only the sinks the lost notification was for keep their transactions pre-committed.
      const waiting = txns.filter((x) => reachesSink(e.target, x.ref.subtask));
      return `checkpoint ${k} completed, but its completion notification to ${targetName(e.target)} is lost; the job keeps running.${
        plain || waiting.length === 0
          ? ''
          : `${holds(waiting)} ${waiting.length === 1 ? 'stays' : 'stay'} pre-committed until a later checkpoint's notification commits ${waiting.length === 1 ? 'it' : 'them'}.`
      }`;
    }
    case 'crash-during-commit':
      return crashDuringCommitText(k, txns, holds);
    case 'checkpoint-abort':
      return `checkpoint ${k} is declined after the sinks pre-committed it.`;
    case 'commit-rejected': {
      const subtask = e.subtask ?? 0;
      const rejected = txns.filter((x) => x.ref.subtask === subtask);
      return `checkpoint ${k}: the store rejects sink ${subtask}'s commit with TxnFailedException.${holds(rejected)}${rejected.length > 0 ? ' will not become visible.' : ''}`;
    }
    case 'store-outage':
      return kafka
        ? `Kafka's brokers answer nothing${duration}: producers retry and resend within delivery.timeout.ms, so acknowledgements, flushes and visibility wait.`
        : `the segment store answers nothing${duration}: writers retry and resend, so acknowledgements, flushes and visibility wait.`;
    case 'controller-outage':
      return kafka
        ? `Kafka's transaction coordinator is unreachable${duration}: InitProducerId and the commits and aborts retry within max.block.ms, and transaction timeouts run on.`
        : `the controller is unreachable${duration}: transaction calls and lease pings retry with backoff.`;
    case 'job-pause':
      return kafka
        ? `the whole job freezes${duration}: no processing, while Kafka's transaction timeouts run on.`
        : `the whole job freezes${duration}: no processing, no lease pings.`;
    case 'zombie-writer':
      return `the job fails over, but the old attempt's tasks keep running and writing${duration}.`;
    default:
      return exhaustive(e.faultKind);
  }
}

/** What failed, in words: `fault` is the fault that fired in the same millisecond, if any. */
export function failureText(e: EventOf<'task-failed'>, fault: EventOf<'fault-fired'> | null): string {
  if (e.element !== null) return `The mapper throws at element ${e.element} (value ${e.position})`;
  const crash = e.reason === 'injected-crash' && fault !== null ? crashText(e, fault) : null;
  if (crash !== null) return crash;
  if (e.reason === 'artificial-exception' && fault?.faultKind === 'mapper-exception')
    return `The mapper throws (injected at ${msText(e.t)}, value ${e.position} just emitted)`;
  return FAILURE_REASONS[e.reason];
}

/** A crash between sink 0's commit and the others': what that call committed, what the restore must. */
function crashDuringCommitText(
  k: number | null,
  txns: TxnStory[],
  holds: (list: TxnStory[]) => string,
): string {
  const done = txns.filter((x) => x.state === 'committed' || x.state === 'committing');
  const left = txns.filter((x) => x.state === 'pre-committed');
  const are = (list: TxnStory[]) => (list.length === 1 ? 'is' : 'are');
  return `checkpoint ${k}: sink 0 sent its commit, and the job fails before the others do.${
    done.length === 0 ? '' : `${holds(done)} ${are(done)} committed by that call.`
  }${left.length === 0 ? '' : `${holds(left)} ${are(left)} left for the restore to commit (recoverAndCommit).`}`;
}

/** The failure an injected crash caused, told by the fault that fired; null for a kind that crashes nothing. */
function crashText(e: EventOf<'task-failed'>, fault: EventOf<'fault-fired'>): string | null {
  const k = fault.checkpointId;
  switch (fault.faultKind) {
    case 'zombie-writer':
      return `The TaskManager is lost: attempt ${e.attempt}'s tasks are not stopped and keep writing${fault.durationMs === undefined ? '' : ` for ${msText(fault.durationMs)}`} (a zombie)`;
    case 'crash-after-precommit':
      return fault.stage === 'after-acks'
        ? `Sink ${fault.subtask ?? 0} dies after every task acknowledged checkpoint ${k}`
        : `Sink ${fault.subtask ?? 0} dies after pre-committing checkpoint ${k}, before acknowledging it`;
    case 'crash-before-notify':
      return `The job crashes after checkpoint ${k} completed, before any task heard of it`;
    case 'crash-during-commit':
      return `The job crashes while the sinks commit checkpoint ${k}`;
    case 'mapper-exception':
    case 'notify-lost':
    case 'checkpoint-abort':
    case 'commit-rejected':
    case 'store-outage':
    case 'controller-outage':
    case 'job-pause':
      return null;
    default:
      return exhaustive(fault.faultKind);
  }
}

/** Whether a notification lost to `target` was sink `subtask`'s. */
function reachesSink(target: NotifyTarget | undefined, subtask: number): boolean {
  if (target === undefined || target === 'all' || target === 'sinks') return true;
  return target === subtask;
}

function targetName(target: NotifyTarget | undefined): string {
  if (target === undefined || target === 'all') return 'every task';
  if (target === 'source') return 'the source';
  if (target === 'sinks') return 'the sinks';
  return `sink ${target}`;
}

export const KAFKA_OUTAGE_ENDED: Record<OutageKind, string> = {
  'store-outage': "Kafka's brokers answer again: the producers resend what was not acknowledged.",
  'controller-outage': "Kafka's transaction coordinator answers again: retried calls get through.",
  'job-pause': 'The job pause is over: the tasks run again.',
};

export const OUTAGE_ENDED: Record<OutageKind, string> = {
  'store-outage': 'The store outage is over: the writers reconnect and resend what was not acknowledged.',
  'controller-outage': 'The controller outage is over: retried calls and lease pings get through again.',
  'job-pause': 'The job pause is over: the tasks run again.',
};
