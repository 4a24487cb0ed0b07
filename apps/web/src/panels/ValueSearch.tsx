import { type FormEvent, memo, useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { findValue, jumpTo, showStripAt } from '../actions/values';
import { causeLinks } from '../explain/cause-links';
import { cellLabel, lifeSteps, lifeSummary, STATE_LABEL, stripMoments } from '../explain/value-life';
import { useStore } from '../state/store';

/**
 * "Find a value": type a value (or click one in a cause or the checker's output) and see every
 * emission, write, transaction and read of it, with the cause of a duplicate or a loss; below, the
 * values around it at a chosen moment, coloured by state, with what each kind of reader sees then.
 */
export const ValueSearch = memo(function ValueSearch() {
  const { runId, numEvents, search } = useStore(
    useShallow((s) => ({ runId: s.runId, numEvents: s.scenario?.numEvents ?? null, search: s.valueSearch })),
  );
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  // A value opened from elsewhere (a cause, the checker's output) shows in the box too.
  useEffect(() => {
    if (search.value !== null) setText(String(search.value));
  }, [search.value]);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const value = Number(text.trim());
    if (!Number.isInteger(value) || value < 1 || (numEvents !== null && value > numEvents)) {
      setInvalid(`Type a value from 1 to ${numEvents ?? 'N'}.`);
      return;
    }
    setInvalid(null);
    void findValue(value);
  };
  const mine = search.runId === runId;
  return (
    <section
      className="panel value-search"
      id="value-search"
      aria-labelledby="value-search-title"
      tabIndex={-1}
    >
      <h2 id="value-search-title">Each value's life</h2>
      <form aria-label="Find a value" onSubmit={onSubmit} className="value-form">
        <label>
          Find a value
          <input
            type="search"
            inputMode="numeric"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={numEvents === null ? '' : `1..${numEvents}`}
            disabled={runId === null}
            aria-invalid={invalid !== null}
            aria-describedby={invalid !== null ? 'value-search-invalid' : undefined}
          />
        </label>
        <button type="submit" disabled={runId === null}>
          Find
        </button>
      </form>
      {invalid !== null && (
        <p className="note" id="value-search-invalid" role="alert">
          {invalid}
        </p>
      )}
      {runId === null && <p className="muted">Start or open a run to follow a value through it.</p>}
      {mine && search.loading && <p className="muted">Replaying the run to follow {search.value}…</p>}
      {mine && search.error !== null && (
        <p className="note" role="alert">
          {search.error}
        </p>
      )}
      {mine && search.life !== null && <Life />}
      {mine && search.life !== null && <Strip />}
    </section>
  );
});

function Life() {
  const answer = useStore((s) => s.valueSearch.life)!;
  const steps = useMemo(() => lifeSteps(answer), [answer]);
  const links = answer.cause === null ? [] : causeLinks(answer.cause);
  return (
    <div className="value-life">
      <p data-testid="value-summary">{lifeSummary(answer)}</p>
      {answer.note !== null && <p className="hint">{answer.note}</p>}
      {links.length > 0 && (
        <ul className="why-links" aria-label={`Why ${answer.life.value}`}>
          {links.map((l) => (
            <li key={l.label}>
              <button type="button" className="link" onClick={() => jumpTo(l.atMs)}>
                {l.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      <table className="value-steps" aria-label={`Life of ${answer.life.value}`}>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Step</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => (
            <tr key={`${s.atMs}-${s.step}-${s.detail}`} data-step={s.step}>
              <td>
                <button
                  type="button"
                  className="link"
                  title="Show this moment on the timelines and in the strip"
                  onClick={() => {
                    jumpTo(s.atMs);
                    void showStripAt(s.atMs);
                  }}
                >
                  {s.atMs.toLocaleString('en')} ms
                </button>
              </td>
              <td>{s.step}</td>
              <td>{s.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The values around the one asked for at one moment: colour and words per value, and what each reader sees. */
function Strip() {
  const { strip, life, atMs } = useStore(
    useShallow((s) => ({
      strip: s.valueSearch.strip,
      life: s.valueSearch.life!,
      atMs: s.valueSearch.stripAtMs,
    })),
  );
  const moments = useMemo(() => stripMoments(lifeSteps(life)), [life]);
  const value = life.life.value;
  return (
    <div className="value-strip">
      <h3>Values around {value} at a moment</h3>
      <label>
        Moment
        <select
          value={atMs === null ? 'end' : String(atMs)}
          onChange={(e) => void showStripAt(e.target.value === 'end' ? null : Number(e.target.value))}
        >
          <option value="end">the end of the run ({life.untilMs.toLocaleString('en')} ms)</option>
          {moments.map((m) => (
            <option key={m.atMs} value={m.atMs}>
              {value} {m.label}
            </option>
          ))}
        </select>
      </label>
      {strip === null ? (
        <p className="muted">Loading the strip…</p>
      ) : (
        <>
          <ol
            className="strip"
            aria-label={`Values ${strip.from} to ${strip.to} at ${strip.atMs.toLocaleString('en')} ms`}
          >
            {strip.cells.map((c) => (
              <li
                key={c.value}
                className={`cell state-${c.state}${c.value === value ? ' asked' : ''}`}
                title={cellLabel(c)}
                aria-label={cellLabel(c)}
              >
                <span className="cell-value">{c.value}</span>
                <span className="cell-reads" aria-hidden="true">
                  {c.readCommitted}/{c.readUncommitted}
                </span>
              </li>
            ))}
          </ol>
          <p className="muted strip-note">
            Under each value: copies a read_committed / a read_uncommitted reader sees at that moment (this
            run's checker reads {strip.isolation}).
          </p>
          <ul className="strip-legend" aria-label="Strip colours">
            {Object.entries(STATE_LABEL).map(([state, label]) => (
              <li key={state}>
                <span className={`swatch state-${state}`} aria-hidden="true" /> {label}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
