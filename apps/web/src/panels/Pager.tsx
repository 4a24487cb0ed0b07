import { pageLabel, pageMoves } from '../explain/facts-view';

/**
 * Which part of a longer list a table shows, and buttons to the other parts: plain buttons, so a
 * keyboard reaches them with Tab and presses them with Enter or Space.
 */
export function Pager({
  label,
  offset,
  limit,
  shown,
  total,
  onOffset,
}: {
  /** What the list is, for the buttons' names ("Older checkpoints"). */
  label: string;
  offset: number;
  limit: number;
  shown: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  const moves = pageMoves(offset, limit, total);
  const button = (name: string, to: number | null, text: string) => (
    <button
      type="button"
      aria-label={`${name} ${label}`}
      disabled={to === null}
      onClick={() => to !== null && onOffset(to)}
    >
      {text}
    </button>
  );
  return (
    <nav className="pager" aria-label={`Pages of ${label}`}>
      <span className="pager-label">{pageLabel(offset, shown, total)}</span>
      {total > limit && (
        <span className="pager-buttons">
          {button('Newest', moves.newest, '« newest')}
          {button('Newer', moves.newer, '‹ newer')}
          {button('Older', moves.older, 'older ›')}
          {button('Oldest', moves.oldest, 'oldest »')}
        </span>
      )}
    </nav>
  );
}
