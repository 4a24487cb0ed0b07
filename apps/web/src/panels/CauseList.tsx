import type { Cause } from '@eolab/engine';
import { findValue, jumpTo } from '../actions/values';
import { causeLinks, causeValues } from '../explain/cause-links';

/**
 * The engine's own account of each cause: values first, then what happened to them; then the
 * "why" links, each jumping every timeline (and the protocol diagram, which follows the zoom and
 * the cursor) to the failure, restore, transaction or zombie the engine named, and a way to
 * follow one of its values.
 */
export function CauseList({ label, causes }: { label: string; causes: readonly Cause[] }) {
  return (
    <ul className="causes" aria-label={label}>
      {causes.map((c) => {
        const split = c.text.indexOf(': ');
        return (
          <li key={c.text} data-cause={c.kind}>
            <strong>{c.text.slice(0, split)}</strong>
            {c.text.slice(split)}.
            <span className="why-links">
              {causeLinks(c).map((l) => (
                <button key={l.label} type="button" className="link" onClick={() => jumpTo(l.atMs)}>
                  {l.label}
                </button>
              ))}
              {causeValues(c).map((v) => (
                <button key={v} type="button" className="link" onClick={() => void findValue(v)}>
                  Follow {v}
                </button>
              ))}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * The duplicated values as the checker found them (the report's list, not its printed lines: the
 * dashboard parses no engine prose), each run's ends a button that follows that value.
 */
export function DuplicateValues({ values }: { values: readonly number[] }) {
  const runs: [number, number][] = [];
  for (const v of values) {
    const last = runs.at(-1);
    if (last !== undefined && last[1] + 1 === v) last[1] = v;
    else runs.push([v, v]);
  }
  const shown = runs.slice(0, 12);
  const follow = (v: number) => (
    <button type="button" className="link" aria-label={`Follow ${v}`} onClick={() => void findValue(v)}>
      {v}
    </button>
  );
  return (
    <span data-testid="duplicate-values">
      {shown.map(([from, to], i) => (
        <span key={from}>
          {i > 0 && ', '}
          {follow(from)}
          {to > from && <>..{follow(to)}</>}
        </span>
      ))}
      {runs.length > shown.length && ', …'}
    </span>
  );
}

/** A transaction's first and last values, each a button that follows it: ` (17..24)`. */
export function FollowRange({ first, last }: { first: number; last: number }) {
  const follow = (v: number) => (
    <button type="button" className="link" aria-label={`Follow ${v}`} onClick={() => void findValue(v)}>
      {v}
    </button>
  );
  return (
    <>
      {' ('}
      {follow(first)}..{follow(last)})
    </>
  );
}
