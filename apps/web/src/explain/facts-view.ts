/**
 * How the checkpoint history and the transaction inspector ask the server for the run's whole
 * record (they show a page of it), and how they say which page it is.
 */

/** Rows a page of the history or the inspector shows. */
export const FACTS_PAGE = 60;

const COUNT = new Intl.NumberFormat('en');

/** The transaction filters the server understands (`GET /api/runs/:id/transactions`). */
export interface TxnFilter {
  checkpoint?: number;
  subtask?: number;
  txnId?: number;
}

/**
 * What the inspector's search box asks for: `#12` a store id, `5` or `cp5` a checkpoint,
 * `cp5·s1` (or `cp5.s1`, `cp5 s1`) a checkpoint's subtask; empty, everything. Null when the text
 * names none of these.
 */
export function txnFilter(query: string): TxnFilter | null {
  const q = query.trim().toLowerCase();
  if (q === '') return {};
  const id = /^#(\d+)$/.exec(q);
  if (id !== null) return { txnId: Number(id[1]) };
  const named = /^(?:cp)?(\d+)(?:\s*[·.\s]\s*s(\d+))?(?:\s*[·.\s]\s*a\d+)?$/.exec(q);
  if (named === null) return null;
  const filter: TxnFilter = { checkpoint: Number(named[1]) };
  if (named[2] !== undefined) filter.subtask = Number(named[2]);
  return filter;
}

/**
 * Which part of a longer list a page shows: `Showing 50 of 40,002 (1–50, newest first)`, or
 * `All 12` when the page holds the whole list.
 */
export function pageLabel(offset: number, shown: number, total: number): string {
  if (offset === 0 && shown >= total) return `All ${COUNT.format(total)}`;
  if (shown === 0) return `None of ${COUNT.format(total)} here`;
  return `Showing ${COUNT.format(shown)} of ${COUNT.format(total)} (${COUNT.format(offset + 1)}–${COUNT.format(offset + shown)}, newest first)`;
}

/** The offsets the pager's buttons go to; null where a button has nowhere to go. */
export function pageMoves(
  offset: number,
  limit: number,
  total: number,
): { newest: number | null; newer: number | null; older: number | null; oldest: number | null } {
  const last = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  return {
    newest: offset > 0 ? 0 : null,
    newer: offset > 0 ? Math.max(0, offset - limit) : null,
    older: offset + limit < total ? offset + limit : null,
    oldest: offset < last ? last : null,
  };
}

/** The offset of the page (newest first) that holds checkpoint `id` of `total`, or null when there is none. */
export function pageOfCheckpoint(id: number, total: number, limit: number): number | null {
  if (!Number.isInteger(id) || id < 1 || id > total) return null;
  return Math.floor((total - id) / limit) * limit;
}

/** A count in words for the panels' summaries. */
export const formatCount = (n: number) => COUNT.format(n);
