import type { TxnCounts } from '@eolab/protocol';
import { memo, useEffect, useMemo, useState } from 'react';
import { getTransactions } from '../api/rest';
import { FACTS_PAGE, txnFilter } from '../explain/facts-view';
import {
  type KafkaProducer,
  kafkaDeadlineMs,
  kafkaProducers,
  leaseLeft,
  matchTxn,
  type TxnRow,
  transactions,
} from '../explain/history';
import { selectEvents, selectNowMs } from '../state/scrub';
import { useStore } from '../state/store';
import { useFactsPage, useSettledScrubMs } from '../sync/facts-sync';
import { FollowRange } from './CauseList';
import { atMsOf, CountsLine, fmt, sourceNote, useOffset } from './facts-parts';
import { Pager } from './Pager';
import { ScrollRegion } from './ScrollRegion';

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

/** A Kafka transaction's transactional id, producer id and epoch, and partition ("?" when its begin is not on screen). */
function ProducerCells({ producer }: { producer: KafkaProducer | undefined }) {
  if (producer === undefined)
    return (
      <>
        <td>?</td>
        <td>?</td>
        <td>?</td>
      </>
    );
  return (
    <>
      <td>{producer.transactionalId}</td>
      <td>
        {producer.producerId} · {producer.producerEpoch}
      </td>
      <td>{producer.partition}</td>
    </>
  );
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
  const kafka = useStore((s) => s.scenario?.system === 'kafka');
  // Kafka renews nothing: no lease, a timeout (counted here, for the server's rows and ours alike).
  const leaseMs = useStore((s) => (kafka ? null : (s.scenario?.sink.txnLeaseMs ?? null)));
  const timeoutMs = useStore((s) => s.scenario?.kafka.transactionTimeoutMs ?? 0);
  const abortIntervalMs = useStore((s) => s.scenario?.kafka.abortTimedOutIntervalMs ?? 0);
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
  // The producers are joined from the begins on screen (the server's rows do not carry them).
  const onScreen = useStore((s) => (kafka && transactional ? selectEvents(s) : null));
  const producers = useMemo(
    () => (onScreen === null ? new Map<number, KafkaProducer>() : kafkaProducers(onScreen)),
    [onScreen],
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
              {kafka && (
                <>
                  <th>transactional id</th>
                  <th>
                    <abbr title="The producer id InitProducerId gave the transactional id, and its epoch: a producer with an older epoch is fenced">
                      producer · epoch
                    </abbr>
                  </th>
                  <th>partition</th>
                </>
              )}
              <th>state</th>
              <th>opened</th>
              <th>pre-committed</th>
              <th>ended</th>
              <th>
                {kafka ? (
                  <abbr
                    title={`transaction.timeout.ms counted from its first record (its begin here, give or take the first write): the coordinator aborts it at its next look after that (every ${abortIntervalMs.toLocaleString('en')} ms) and fences its producer. Nothing renews it.`}
                  >
                    timeout left
                  </abbr>
                ) : (
                  <abbr title="Until the controller aborts it, unless its writer pings it again (every lease / sqrt(lease in s))">
                    lease left
                  </abbr>
                )}
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
                {kafka && <ProducerCells producer={producers.get(r.txnId)} />}
                <td>{r.state}</td>
                <td>{fmt(r.openedMs)}</td>
                <td>{fmt(r.preCommittedMs)}</td>
                <td>{fmt(r.endedMs)}</td>
                <td>
                  {leaseLeft(
                    kafka
                      ? {
                          state: r.state,
                          leaseDeadlineMs: kafkaDeadlineMs(r, timeoutMs, producers.get(r.txnId)?.startedAtMs),
                        }
                      : r,
                    nowMs,
                  )}
                </td>
                <td>
                  {r.events}
                  {r.firstValue !== null && r.lastValue !== null && (
                    <FollowRange first={r.firstValue} last={r.lastValue} />
                  )}
                </td>
                <td>
                  {r.recovery
                    ? 'committed on recovery'
                    : kafka && r.why === 'lease expired'
                      ? 'timed out'
                      : (r.why ?? '')}
                </td>
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
