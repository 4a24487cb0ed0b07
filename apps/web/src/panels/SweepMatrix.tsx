import { WRITER_MODES } from '@eolab/engine';
import type { SweepDetail } from '@eolab/protocol';
import { ScrollRegion } from './ScrollRegion';

type Result = NonNullable<SweepDetail['result']>;
type Run = Result['schedules'][number]['runs'][number];

/** The matrix's columns: what each run of a schedule gave, and whether its mode promised and kept its guarantee. */
export const OUTCOME_COLUMNS = [
  { id: 'EXACTLY_ONCE', label: 'Exactly once', test: (r: Run) => r.verdict === 'EXACTLY_ONCE' },
  { id: 'DUPLICATES', label: 'Duplicates', test: (r: Run) => r.verdict === 'DUPLICATES' },
  { id: 'LOSS', label: 'Loss', test: (r: Run) => r.verdict === 'LOSS' },
  {
    id: 'DUPLICATES_AND_LOSS',
    label: 'Duplicates and loss',
    test: (r: Run) => r.verdict === 'DUPLICATES_AND_LOSS',
  },
  { id: 'INCOMPLETE', label: 'Incomplete', test: (r: Run) => r.verdict === 'INCOMPLETE' },
  { id: 'promised', label: 'Preconditions held', test: (r: Run) => r.guarantee !== null },
  { id: 'broken', label: 'Guarantee broken', test: (r: Run) => r.violation !== null },
] as const;

export interface Cell {
  mode: (typeof WRITER_MODES)[number];
  column: (typeof OUTCOME_COLUMNS)[number]['id'];
}

/** Schedule indexes (positions in `result.schedules`) whose run in the cell's mode falls in the cell's column. */
export function schedulesIn(result: Result, cell: Cell): number[] {
  const m = WRITER_MODES.indexOf(cell.mode);
  const column = OUTCOME_COLUMNS.find((c) => c.id === cell.column)!;
  const found: number[] = [];
  result.schedules.forEach((s, i) => {
    if (column.test(s.runs[m]!)) found.push(i);
  });
  return found;
}

/** Mode x outcome: how many runs, each count a button that lists its schedules. */
export function SweepMatrix({
  result,
  cell,
  onCell,
}: {
  result: Result;
  cell: Cell | null;
  onCell: (c: Cell) => void;
}) {
  return (
    <ScrollRegion className="table-scroll" label="Runs per writer mode and outcome">
      <table className="history-table sweep-matrix">
        <caption className="sr-only">Runs per writer mode and outcome</caption>
        <thead>
          <tr>
            <th scope="col">Mode</th>
            {OUTCOME_COLUMNS.map((c) => (
              <th key={c.id} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {WRITER_MODES.map((mode) => (
            <tr key={mode}>
              <th scope="row">{mode}</th>
              {OUTCOME_COLUMNS.map((c) => {
                const count = schedulesIn(result, { mode, column: c.id }).length;
                const selected = cell?.mode === mode && cell.column === c.id;
                return (
                  <td key={c.id} className={c.id === 'broken' && count > 0 ? 'bad' : undefined}>
                    <button
                      type="button"
                      className="link"
                      aria-pressed={selected}
                      aria-label={`${mode}, ${c.label}: ${count} runs`}
                      disabled={count === 0}
                      onClick={() => onCell({ mode, column: c.id })}
                    >
                      {count}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** The table `eolab sweep` prints for the same choices: per mode and fault kind. */
export function SweepByKind({ result }: { result: Result }) {
  return (
    <ScrollRegion className="table-scroll sweep-by-kind" label="Runs per writer mode and fault kind">
      <table className="history-table" data-testid="sweep-by-kind">
        <caption className="sr-only">Runs per writer mode and fault kind, as eolab sweep prints them</caption>
        <thead>
          <tr>
            {['mode', 'fault kind', 'runs', 'with duplicates', 'with loss', 'incomplete', 'violations'].map(
              (h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((r) => (
            <tr key={`${r.mode}/${r.faultKind}`}>
              <td>{r.mode}</td>
              <td>{r.faultKind}</td>
              <td>{r.runs}</td>
              <td>{r.withDuplicates}</td>
              <td>{r.withLoss}</td>
              <td>{r.incomplete}</td>
              <td>{r.violations}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {result.runs} runs (a run with several fault kinds counts in each of their rows);{' '}
        {result.violations.length} guarantee violations
      </p>
    </ScrollRegion>
  );
}
