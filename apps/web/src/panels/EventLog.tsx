import { EVENT_GROUPS, type EventGroup, groupOf, type SimEvent } from '@eolab/engine';
import { memo, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectEvents } from '../state/scrub';
import { useStore } from '../state/store';
import { ScrollRegion } from './ScrollRegion';

const SHOWN = 120;
const GROUP_LABELS: Record<EventGroup, string> = {
  checkpoint: 'Checkpoints',
  transaction: 'Transactions',
  job: 'Faults & job',
  checker: 'Checker',
};

/**
 * A key per event object, given the first time the log sees it: rows keep their keys as newer
 * events push them down, so a flush only creates the new rows.
 */
const rowKeys = new WeakMap<SimEvent, number>();
let nextRowKey = 0;
function rowKey(e: SimEvent): number {
  let key = rowKeys.get(e);
  if (key === undefined) {
    key = nextRowKey++;
    rowKeys.set(e, key);
  }
  return key;
}

function describe(e: SimEvent): string {
  const { t: _t, kind: _k, ...rest } = e;
  return Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

const EventRow = memo(function EventRow({ event }: { event: SimEvent }) {
  return (
    <tr className={`g-${groupOf(event.kind)}`}>
      <td>{event.t}</td>
      <td>{event.kind}</td>
      <td>{describe(event)}</td>
    </tr>
  );
});

export function EventLog() {
  const { events, dropped } = useStore(
    useShallow((s) => ({ events: selectEvents(s), dropped: s.eventsDropped })),
  );
  const [groups, setGroups] = useState<Set<EventGroup>>(() => new Set(EVENT_GROUPS));
  const [query, setQuery] = useState('');
  const matching = useMemo(() => {
    const q = query.trim().toLowerCase();
    return events.filter(
      (e) =>
        groups.has(groupOf(e.kind)) && (q === '' || `${e.kind} ${describe(e)}`.toLowerCase().includes(q)),
    );
  }, [events, groups, query]);
  const shown = useMemo(() => matching.slice(-SHOWN).reverse(), [matching]);
  // The events on screen (filtered and searched), one JSON object per line.
  const exportEvents = async () => {
    const { download } = await import('../charts/exporting');
    download(
      'protocol-events.jsonl',
      new Blob([matching.map((e) => JSON.stringify(e)).join('\n')], { type: 'application/x-ndjson' }),
    );
  };
  const toggle = (g: EventGroup) =>
    setGroups((prev) => {
      const next = new Set(prev);
      if (next.has(g)) next.delete(g);
      else next.add(g);
      return next;
    });
  return (
    <section className="panel log" aria-labelledby="log-title">
      <div className="compare-head">
        <h2 id="log-title">Protocol events</h2>
        <span className="exports">
          <input
            type="search"
            placeholder="search: kind, txn, checkpoint…"
            aria-label="Search protocol events"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <button type="button" className="small" onClick={exportEvents}>
            Export
          </button>
        </span>
      </div>
      <fieldset className="filters">
        <legend className="sr-only">Show</legend>
        {EVENT_GROUPS.map((g) => (
          <label key={g}>
            <input type="checkbox" checked={groups.has(g)} onChange={() => toggle(g)} /> {GROUP_LABELS[g]}
          </label>
        ))}
      </fieldset>
      <p className="hint">
        {matching.length.toLocaleString('en')} matching; newest first, the last {SHOWN} shown
        {dropped > 0 ? `, ${dropped.toLocaleString('en')} routine events not streamed at this speed` : ''}.
      </p>
      <ScrollRegion className="events-scroll" label="Protocol events table">
        <table className="events">
          <thead>
            <tr>
              <th scope="col">t (ms)</th>
              <th scope="col">event</th>
              <th scope="col">details</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <EventRow key={rowKey(e)} event={e} />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
