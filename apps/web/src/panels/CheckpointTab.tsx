import type { CheckpointCounts, CheckpointDetail, CheckpointLatest } from '@eolab/protocol';
import { useShallow } from 'zustand/react/shallow';
import { jumpTo } from '../actions/values';
import { getCheckpointDetail } from '../api/rest';
import { configItems, countItems, latestItems } from '../explain/checkpoint-tab';
import { useStore } from '../state/store';
import { useFactsPage } from '../sync/facts-sync';
import { fmt, MS } from './facts-parts';
import { ScrollRegion } from './ScrollRegion';

/** Flink's Counts block: triggered, in progress, completed, failed, restored. */
export function CheckpointCountsBlock({ counts }: { counts: CheckpointCounts }) {
  return (
    <section aria-label="Checkpoint counts" className="cp-counts" data-testid="checkpoint-counts">
      <ul>
        {countItems(counts).map((c) => (
          <li key={c.label} title={c.note ?? undefined}>
            <strong>{MS.format(c.value)}</strong> {c.label}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Flink's Latest block; each checkpoint named opens its detail, each time moves the timelines there. */
export function LatestBlock({ latest, onOpen }: { latest: CheckpointLatest; onOpen: (id: number) => void }) {
  return (
    <dl className="cp-latest">
      {latestItems(latest).map((item) => (
        <div key={item.label}>
          <dt>{item.label}</dt>
          <dd>
            {item.checkpoint === null ? (
              item.text
            ) : (
              <button type="button" className="link" onClick={() => onOpen(item.checkpoint!)}>
                {item.text}
              </button>
            )}
            {item.atMs !== null && (
              <>
                {' '}
                <button
                  type="button"
                  className="link small-link"
                  aria-label={`Show ${item.label.toLowerCase()} on the timelines`}
                  onClick={() => jumpTo(item.atMs!)}
                >
                  show
                </button>
              </>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The checkpoint configuration, from the run's scenario. */
export function ConfigBlock() {
  const scenario = useStore((s) => s.scenario);
  if (scenario === null) return null;
  return (
    <details className="cp-config">
      <summary>Configuration</summary>
      <dl aria-label="Checkpoint configuration">
        {configItems(scenario).map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** One checkpoint, task by task: when its barrier arrived, when each acknowledged, each sink's pre-commit and transaction. */
export function CheckpointDrillDown({ id, onClose }: { id: number; onClose: () => void }) {
  const transactional = useStore(useShallow((s) => s.scenario?.mode === 'EXACTLY_ONCE'));
  const { page: detail, error } = useFactsPage<CheckpointDetail>(`checkpoint ${id}`, (runId, signal) =>
    getCheckpointDetail(runId, id, { signal }),
  );
  const shown = detail !== null && detail.checkpoint.id === id ? detail : null;
  return (
    <section className="cp-detail" aria-label={`Checkpoint ${id} by task`}>
      <div className="compare-head">
        <h3>
          Checkpoint {id}
          {shown === null
            ? ''
            : `: ${shown.checkpoint.status}, triggered at ${fmt(shown.checkpoint.triggeredMs)}`}
        </h3>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      {error !== null && <p className="note">{error}</p>}
      {shown !== null && (
        <ScrollRegion className="table-scroll" label={`Checkpoint ${id}, each task, scrolls`}>
          <table className="history-table" aria-label={`Checkpoint ${id}, each task`}>
            <thead>
              <tr>
                <th scope="col">task</th>
                <th scope="col">barrier arrived</th>
                <th scope="col">acknowledged</th>
                <th scope="col">pre-commit</th>
                {transactional && <th scope="col">transaction</th>}
              </tr>
            </thead>
            <tbody>
              {shown.tasks.map((t) => (
                <tr key={t.task}>
                  <th scope="row">{t.task}</th>
                  <td>
                    {t.barrierMs === null ? (t.late ? 'over 65 s after the trigger' : '—') : fmt(t.barrierMs)}
                  </td>
                  <td>
                    {t.acknowledgedMs === null
                      ? t.late
                        ? 'over 65 s after the trigger'
                        : '—'
                      : fmt(t.acknowledgedMs)}
                  </td>
                  <td>{t.task === 'source' ? 'snapshot at the trigger' : fmt(t.preCommitMs)}</td>
                  {transactional && (
                    <td>{t.txn === null ? '—' : `${t.txn.name} (#${t.txn.txnId}): ${t.txn.state}`}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
