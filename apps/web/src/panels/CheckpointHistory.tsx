import { memo, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { checkpointHistory, durationSummary, leaseLeft, matchTxn, transactions } from '../explain/history';
import { selectEvents, selectNowMs } from '../state/scrub';
import { useStore } from '../state/store';
import { ScrollRegion } from './ScrollRegion';

/** Rows a table shows; the newest first. */
const SHOWN = 60;

// One formatter for every cell: toLocaleString builds a new one per call, which the profile showed
// costing more than the rest of the table's render (hundreds of cells, ten renders a second).
const MS = new Intl.NumberFormat('en');
const fmt = (ms: number | null) => (ms === null ? '—' : `${MS.format(ms)} ms`);

/** Flink's checkpoint history: one row per checkpoint, newest first, with a summary of durations. */
export const CheckpointHistory = memo(function CheckpointHistory() {
  const { events, parallelism } = useStore(
    useShallow((s) => ({ events: selectEvents(s), parallelism: s.scenario?.sink.parallelism ?? 1 })),
  );
  const rows = useMemo(() => checkpointHistory(events, parallelism), [events, parallelism]);
  const summary = useMemo(() => durationSummary(rows), [rows]);
  return (
    <section className="panel" aria-labelledby="cp-history-title">
      <h2 id="cp-history-title">Checkpoint history</h2>
      <p className="hint">
        {summary === null
          ? 'No checkpoint completed yet.'
          : `End-to-end duration of ${summary.count} completed: min ${fmt(summary.min)} · avg ${fmt(summary.avg)} · max ${fmt(summary.max)}.`}
      </p>
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
            {rows.slice(0, SHOWN).map((r) => (
              <tr key={r.id} className={`cp-${r.status.replace(' ', '-')}`}>
                <td>{r.id}</td>
                <td>{r.status}</td>
                <td>{fmt(r.triggeredMs)}</td>
                <td>
                  {r.acknowledged}/{r.tasks}
                </td>
                <td>{fmt(r.durationMs)}</td>
                <td>{r.reason ?? ''}</td>
                <td>
                  {r.restoredBy.length === 0 ? '' : `attempt ${r.restoredBy.join(', ')} restored from it`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
});

/** Every transaction on screen: its name, store id, state and times, searchable by checkpoint or name. */
export const TransactionInspector = memo(function TransactionInspector() {
  const { events, transactional, leaseMs, nowMs } = useStore(
    useShallow((s) => ({
      events: selectEvents(s),
      transactional: s.scenario?.mode === 'EXACTLY_ONCE',
      leaseMs: s.scenario?.sink.txnLeaseMs ?? null,
      nowMs: selectNowMs(s),
    })),
  );
  const [query, setQuery] = useState('');
  const rows = useMemo(() => transactions(events, leaseMs), [events, leaseMs]);
  const shown = useMemo(() => rows.filter((r) => matchTxn(r, query)).slice(0, SHOWN), [rows, query]);
  if (!transactional) return null;
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
            {shown.map((r) => (
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
    </section>
  );
});
