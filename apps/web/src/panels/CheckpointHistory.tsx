import type { CheckpointCounts, TxnCounts } from '@eolab/protocol';
import { Fragment, memo, useEffect, useMemo, useState } from 'react';
import { getCheckpoints, getTransactions } from '../api/rest';
import { FACTS_PAGE, formatCount, pageOfCheckpoint, txnFilter } from '../explain/facts-view';
import {
  type CheckpointRow,
  checkpointHistory,
  type DurationSummary,
  durationSummary,
  leaseLeft,
  matchTxn,
  type TxnRow,
  transactions,
} from '../explain/history';
import { selectEvents, selectNowMs } from '../state/scrub';
import { useStore } from '../state/store';
import { useFactsPage, useSettledScrubMs } from '../sync/facts-sync';
import { Pager } from './Pager';
import { ScrollRegion } from './ScrollRegion';

// One formatter for every cell: toLocaleString builds a new one per call, which the profile showed
// costing more than the rest of the table's render (hundreds of cells, ten renders a second).
const MS = new Intl.NumberFormat('en');
const fmt = (ms: number | null) => (ms === null ? '—' : `${MS.format(ms)} ms`);

/**
 * Where the rows come from: the server's whole record of the run (a page of it, as it stood at the
 * scrubbed time when a finished run is scrubbed), or, while it has not answered or when it cannot,
 * the events the browser holds (a window of a long run, which the panel then says).
 */
function sourceNote(error: string | null, complete: boolean): string | null {
  if (error !== null)
    return `From the events this page holds (a window of a long run): the server’s record could not be read (${error}).`;
  if (!complete)
    return 'A partial record: this run was interrupted, or stored before the server kept whole records, so this comes from its stored window of events.';
  return null;
}

/** The scrubbed time the server's page is for, as a query parameter (absent at the run's end). */
const atMsOf = (scrubMs: number | null) => (scrubMs === null ? {} : { atMs: Math.floor(scrubMs) });

/**
 * The page on screen: the newest when what is listed changes (another run, another search,
 * another scrubbed time), and the last one when the list got shorter than where it was.
 */
function useOffset(resetOn: unknown, total: number | null): [number, (offset: number) => void] {
  const [offset, setOffset] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when what is listed changes
  useEffect(() => setOffset(0), [resetOn]);
  useEffect(() => {
    if (total !== null && offset > 0 && offset >= total)
      setOffset(Math.max(0, Math.floor((total - 1) / FACTS_PAGE) * FACTS_PAGE));
  }, [offset, total]);
  return [offset, setOffset];
}

/** Counts as `n label` pieces, each kept on one line, between middle dots. */
function CountsLine({ testId, parts }: { testId: string; parts: [number, string][] }) {
  return (
    <p className="facts-counts" data-testid={testId}>
      {parts.map(([n, label], i) => (
        // The separator stays outside the unbreakable piece: the line may wrap there.
        <Fragment key={label}>
          {i > 0 ? ' · ' : ''}
          <span>
            {formatCount(n)} {label}
          </span>
        </Fragment>
      ))}
    </p>
  );
}

function CheckpointCountsLine({ counts }: { counts: CheckpointCounts }) {
  return (
    <CountsLine
      testId="checkpoint-counts"
      parts={[
        [counts.triggered, 'triggered'],
        [counts.completed, 'completed'],
        [counts.aborted, `aborted (${formatCount(counts.failed)} failed)`],
        [counts.inProgress, 'in progress'],
        [counts.restores, counts.restores === 1 ? 'restore' : 'restores'],
      ]}
    />
  );
}

/** A row of the history: the server's record leaves acknowledgements unknown for one in progress at a scrubbed time. */
type CheckpointView = Omit<CheckpointRow, 'acknowledged'> & {
  acknowledged: number | null;
  /** Who it waits for, or waited for (the server's record; the events on screen do not say). */
  unacknowledged?: string[];
};

/** The failure cell: why it was aborted, and whose acknowledgement it still waited for. */
function failureOf(r: CheckpointView): string {
  const waiting = r.unacknowledged ?? [];
  const waitedFor = waiting.length === 0 ? '' : `waiting for ${waiting.join(', ')}`;
  if (r.reason === null) return r.status === 'in progress' ? waitedFor : '';
  return waitedFor === '' ? r.reason : `${r.reason} (${waitedFor})`;
}

/** Jumps to the page that holds a checkpoint: a long run's history has thousands of them. */
function GoToCheckpoint({ total, onOffset }: { total: number; onOffset: (offset: number) => void }) {
  const [wanted, setWanted] = useState('');
  const offset = pageOfCheckpoint(Number(wanted), total, FACTS_PAGE);
  return (
    <form
      className="go-to"
      onSubmit={(e) => {
        e.preventDefault();
        if (offset !== null) onOffset(offset);
      }}
    >
      <label className="field inline">
        <span className="sr-only">Go to checkpoint</span>
        <input
          type="number"
          min={1}
          max={total}
          placeholder="checkpoint"
          aria-label="Go to checkpoint"
          value={wanted}
          onChange={(e) => setWanted(e.target.value)}
        />
      </label>
      <button type="submit" disabled={offset === null}>
        Go
      </button>
    </form>
  );
}

const durationLine = (summary: DurationSummary | null) =>
  summary === null
    ? 'No checkpoint completed yet.'
    : `End-to-end duration of ${formatCount(summary.count)} completed: min ${fmt(summary.min)} · avg ${fmt(summary.avg)} · max ${fmt(summary.max)}.`;

/** Flink's checkpoint history: every checkpoint of the run, a page at a time, newest first. */
export const CheckpointHistory = memo(function CheckpointHistory() {
  const runId = useStore((s) => s.runId);
  const atMs = useSettledScrubMs();
  const parallelism = useStore((s) => s.scenario?.sink.parallelism ?? 1);
  const [total, setTotal] = useState<number | null>(null);
  const [offset, setOffset] = useOffset(`${runId} ${atMs}`, total);
  const { page, error } = useFactsPage(`checkpoints ${offset} ${atMs}`, (id, signal) =>
    getCheckpoints(id, { offset, limit: FACTS_PAGE, ...atMsOf(atMs) }, { signal }),
  );
  useEffect(() => setTotal(page?.total ?? null), [page?.total]);
  const fromServer = page !== null;
  // The browser's own events are read only when they are what the panel shows.
  const events = useStore((s) => (fromServer ? null : selectEvents(s)));
  const local = useMemo(
    () => (events === null ? null : checkpointHistory(events, parallelism)),
    [events, parallelism],
  );
  const rows: readonly CheckpointView[] = fromServer ? page.items : (local ?? []).slice(0, FACTS_PAGE);
  const summary = fromServer ? page.durations : durationSummary(local ?? []);
  const note = sourceNote(page === null ? error : null, page?.complete ?? true);
  return (
    <section className="panel" aria-labelledby="cp-history-title">
      <div className="compare-head">
        <h2 id="cp-history-title">Checkpoint history</h2>
        {fromServer && page.total > FACTS_PAGE && <GoToCheckpoint total={page.total} onOffset={setOffset} />}
      </div>
      {fromServer && <CheckpointCountsLine counts={page.counts} />}
      <p className="hint">{durationLine(summary)}</p>
      {note !== null && <p className="hint">{note}</p>}
      <ScrollRegion className="table-scroll" label="Checkpoint history table">
        <table className="history-table">
          <thead>
            <tr>
              <th>id</th>
              <th>status</th>
              <th>triggered</th>
              <th>acknowledged</th>
              <th>duration</th>
              <th>failure</th>
              <th>restored</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} className={`cp-${r.status.replace(' ', '-')}`}>
                <td>{r.id}</td>
                <td>{r.status}</td>
                <td>{fmt(r.triggeredMs)}</td>
                <td>
                  {r.acknowledged ?? '?'}/{r.tasks}
                </td>
                <td>{fmt(r.durationMs)}</td>
                <td>{failureOf(r)}</td>
                <td>
                  {r.restoredBy.length === 0 ? '' : `attempt ${r.restoredBy.join(', ')} restored from it`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <Pager
        label="checkpoints"
        offset={fromServer ? offset : 0}
        limit={FACTS_PAGE}
        shown={rows.length}
        total={fromServer ? page.total : (local?.length ?? 0)}
        onOffset={setOffset}
      />
    </section>
  );
});

function TxnCountsLine({ counts }: { counts: TxnCounts }) {
  const parts: [number, string][] = [
    [counts.begun, 'begun'],
    [counts.committed, 'committed'],
    [counts.aborted, 'aborted'],
    [counts.expired, 'expired'],
    [counts.open, 'open'],
  ];
  if (counts.commitFailed > 0) parts.push([counts.commitFailed, 'commit calls failed']);
  return <CountsLine testId="transaction-counts" parts={parts} />;
}

/** What the inspector's rows need, from the server's record or from the events on screen. */
type TxnView = Pick<
  TxnRow,
  | 'name'
  | 'txnId'
  | 'state'
  | 'openedMs'
  | 'preCommittedMs'
  | 'endedMs'
  | 'leaseDeadlineMs'
  | 'recovery'
  | 'why'
  | 'events'
  | 'firstValue'
  | 'lastValue'
>;

/** Every transaction of the run, a page at a time: its name, store id, state and times, found by checkpoint or name. */
export const TransactionInspector = memo(function TransactionInspector() {
  const runId = useStore((s) => s.runId);
  const transactional = useStore((s) => s.scenario?.mode === 'EXACTLY_ONCE');
  const leaseMs = useStore((s) => s.scenario?.sink.txnLeaseMs ?? null);
  const nowMs = useStore(selectNowMs);
  const atMs = useSettledScrubMs();
  const [query, setQuery] = useState('');
  const filter = useMemo(() => txnFilter(query), [query]);
  const [total, setTotal] = useState<number | null>(null);
  const [offset, setOffset] = useOffset(`${runId} ${JSON.stringify(filter)} ${atMs}`, total);
  const { page, error } = useFactsPage(
    `transactions ${offset} ${JSON.stringify(filter)} ${atMs}`,
    (id, signal) =>
      getTransactions(id, { offset, limit: FACTS_PAGE, ...(filter ?? {}), ...atMsOf(atMs) }, { signal }),
  );
  useEffect(() => setTotal(page?.total ?? null), [page?.total]);
  const fromServer = page !== null && filter !== null;
  const events = useStore((s) => (fromServer || !transactional ? null : selectEvents(s)));
  const local = useMemo(
    () => (events === null ? null : transactions(events, leaseMs).filter((r) => matchTxn(r, query))),
    [events, leaseMs, query],
  );
  if (!transactional) return null;
  const rows: readonly TxnView[] = fromServer ? page.items : (local ?? []).slice(0, FACTS_PAGE);
  const note = sourceNote(page === null ? error : null, page?.complete ?? true);
  return (
    <section className="panel" aria-labelledby="txn-inspector-title">
      <div className="compare-head">
        <h2 id="txn-inspector-title">Transactions</h2>
        <label className="field inline">
          <span className="sr-only">Find a transaction</span>
          <input
            type="search"
            placeholder="checkpoint, cp5·s0 or #id"
            aria-label="Find a transaction"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
      </div>
      {page !== null && <TxnCountsLine counts={page.counts} />}
      {filter === null && (
        <p className="hint">
          Find by checkpoint (5 or cp5), by checkpoint and subtask (cp5·s1), or by store id (#12).
        </p>
      )}
      {note !== null && <p className="hint">{note}</p>}
      <ScrollRegion className="table-scroll" label="Transactions table">
        <table className="history-table">
          <thead>
            <tr>
              <th>name</th>
              <th>store id</th>
              <th>state</th>
              <th>opened</th>
              <th>pre-committed</th>
              <th>ended</th>
              <th>
                <abbr title="Until the controller aborts it, unless its writer pings it again (every lease / sqrt(lease in s))">
                  lease left
                </abbr>
              </th>
              <th>values</th>
              <th>how</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.txnId} className={`txn-${r.state.toLowerCase()}`}>
                <td>{r.name}</td>
                <td>#{r.txnId}</td>
                <td>{r.state}</td>
                <td>{fmt(r.openedMs)}</td>
                <td>{fmt(r.preCommittedMs)}</td>
                <td>{fmt(r.endedMs)}</td>
                <td>{leaseLeft(r, nowMs)}</td>
                <td>
                  {r.events}
                  {r.firstValue === null ? '' : ` (${r.firstValue}..${r.lastValue})`}
                </td>
                <td>{r.recovery ? 'committed on recovery' : (r.why ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <Pager
        label="transactions"
        offset={fromServer ? offset : 0}
        limit={FACTS_PAGE}
        shown={rows.length}
        total={fromServer ? page.total : (local?.length ?? 0)}
        onOffset={setOffset}
      />
    </section>
  );
});
