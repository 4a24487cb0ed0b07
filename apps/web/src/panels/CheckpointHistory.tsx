import { memo, useEffect, useMemo, useState } from 'react';
import { getCheckpoints } from '../api/rest';
import { durationText } from '../explain/checkpoint-tab';
import { FACTS_PAGE, pageOfCheckpoint } from '../explain/facts-view';
import { type CheckpointRow, checkpointHistory, durationSummary } from '../explain/history';
import { selectEvents } from '../state/scrub';
import { useStore } from '../state/store';
import { useFactsPage, useSettledScrubMs } from '../sync/facts-sync';
import { CheckpointCountsBlock, CheckpointDrillDown, ConfigBlock, LatestBlock } from './CheckpointTab';
import { atMsOf, fmt, sourceNote, useOffset } from './facts-parts';
import { Pager } from './Pager';
import { ScrollRegion } from './ScrollRegion';

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

/** Flink's checkpoint history: every checkpoint of the run, a page at a time, newest first. */
export const CheckpointHistory = memo(function CheckpointHistory() {
  const runId = useStore((s) => s.runId);
  const atMs = useSettledScrubMs();
  const parallelism = useStore((s) => s.scenario?.sink.parallelism ?? 1);
  const [total, setTotal] = useState<number | null>(null);
  const [offset, setOffset] = useOffset(`${runId} ${atMs}`, total);
  // The checkpoint whose per-task detail is open (Flink's drill-down), per run.
  const [opened, setOpened] = useState<{ runId: string | null; id: number } | null>(null);
  const openedId = opened !== null && opened.runId === runId ? opened.id : null;
  const open = (id: number) => setOpened({ runId, id });
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
      {fromServer && <CheckpointCountsBlock counts={page.counts} />}
      {fromServer && <LatestBlock latest={page.latest} onOpen={open} />}
      <p className="hint">{durationText(summary)}</p>
      <ConfigBlock />
      {note !== null && <p className="hint">{note}</p>}
      <ScrollRegion className="table-scroll" label="Checkpoint history table">
        <table className="history-table" aria-label="Checkpoint history">
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
                <td>
                  {fromServer ? (
                    <button
                      type="button"
                      className="link"
                      title={`Checkpoint ${r.id} by task`}
                      aria-expanded={openedId === r.id}
                      onClick={() => (openedId === r.id ? setOpened(null) : open(r.id))}
                    >
                      {r.id}
                    </button>
                  ) : (
                    r.id
                  )}
                </td>
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
      {openedId !== null && <CheckpointDrillDown id={openedId} onClose={() => setOpened(null)} />}
    </section>
  );
});
