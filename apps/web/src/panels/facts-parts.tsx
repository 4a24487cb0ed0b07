import { Fragment, useEffect, useState } from 'react';
import { FACTS_PAGE, formatCount } from '../explain/facts-view';

/** What the checkpoint history and the transaction inspector share: cells, paging, where rows come from. */

// One formatter for every cell: toLocaleString builds a new one per call, which the profile showed
// costing more than the rest of the table's render (hundreds of cells, ten renders a second).
export const MS = new Intl.NumberFormat('en');
export const fmt = (ms: number | null) => (ms === null ? '—' : `${MS.format(ms)} ms`);

/**
 * Where the rows come from: the server's whole record of the run (a page of it, as it stood at the
 * scrubbed time when a finished run is scrubbed), or, while it has not answered or when it cannot,
 * the events the browser holds (a window of a long run, which the panel then says).
 */
export function sourceNote(error: string | null, complete: boolean): string | null {
  if (error !== null)
    return `From the events this page holds (a window of a long run): the server’s record could not be read (${error}).`;
  if (!complete)
    return 'A partial record: this run was interrupted, or stored before the server kept whole records, so this comes from its stored window of events.';
  return null;
}

/** The scrubbed time the server's page is for, as a query parameter (absent at the run's end). */
export const atMsOf = (scrubMs: number | null) => (scrubMs === null ? {} : { atMs: Math.floor(scrubMs) });

/**
 * The page on screen: the newest when what is listed changes (another run, another search,
 * another scrubbed time), and the last one when the list got shorter than where it was.
 */
export function useOffset(resetOn: unknown, total: number | null): [number, (offset: number) => void] {
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
export function CountsLine({ testId, parts }: { testId: string; parts: [number, string][] }) {
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
