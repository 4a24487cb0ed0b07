/**
 * One run's actions in the Runs list: open it, export it, delete it. Delete asks first (one run
 * at a time, so the page holds which): a second press, on "Yes, delete", deletes it.
 */
export function RunActions({
  runId,
  confirming,
  onOpen,
  onAskDelete,
  onDelete,
}: {
  runId: string;
  confirming: boolean;
  onOpen: () => void;
  /** Asks (true) or stops asking (false) whether to delete this run. */
  onAskDelete: (asking: boolean) => void;
  onDelete: () => void;
}) {
  return (
    <>
      <button type="button" className="small" onClick={onOpen} aria-label={`Open run ${runId}`}>
        Open
      </button>
      <a
        className="small-link"
        href={`/api/runs/${runId}/export`}
        download
        aria-label={`Export run ${runId}`}
      >
        Export
      </a>
      {confirming ? (
        <fieldset className="confirm" aria-label={`Delete run ${runId}?`}>
          Delete for good?{' '}
          <button
            type="button"
            className="small danger"
            onClick={onDelete}
            aria-label={`Yes, delete run ${runId}`}
          >
            Yes, delete
          </button>
          <button type="button" className="small" onClick={() => onAskDelete(false)}>
            Cancel
          </button>
        </fieldset>
      ) : (
        <button
          type="button"
          className="small"
          onClick={() => onAskDelete(true)}
          aria-label={`Delete run ${runId}`}
        >
          Delete
        </button>
      )}
    </>
  );
}
