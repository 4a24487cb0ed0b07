import { RUN_ENDINGS, VERDICTS, WRITER_MODES } from '@eolab/engine';
import { BACKENDS } from '@eolab/protocol';
import { ENDING_TEXT } from '../explain/verdict';

/** What the Runs list is filtered by: '' is "all" for each. */
export interface RunsFilter {
  mode: string;
  verdict: string;
  ending: string;
  backend: string;
}

export const NO_FILTER: RunsFilter = { mode: '', verdict: '', ending: '', backend: '' };

/** One select per filter, each named for what it filters by. */
export function RunsFilters({ filter, onChange }: { filter: RunsFilter; onChange: (f: RunsFilter) => void }) {
  const set = (key: keyof RunsFilter) => (e: React.ChangeEvent<HTMLSelectElement>) =>
    onChange({ ...filter, [key]: e.target.value });
  return (
    <>
      <label>
        Mode{' '}
        <select aria-label="Filter by mode" value={filter.mode} onChange={set('mode')}>
          <option value="">all</option>
          {WRITER_MODES.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <label>
        Verdict{' '}
        <select aria-label="Filter by verdict" value={filter.verdict} onChange={set('verdict')}>
          <option value="">all</option>
          {VERDICTS.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </label>
      <label>
        Ended{' '}
        <select aria-label="Filter by how the run ended" value={filter.ending} onChange={set('ending')}>
          <option value="">all</option>
          {RUN_ENDINGS.map((v) => (
            <option key={v} value={v}>
              {ENDING_TEXT[v]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Backend{' '}
        <select aria-label="Filter by backend" value={filter.backend} onChange={set('backend')}>
          <option value="">all</option>
          {BACKENDS.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </label>
    </>
  );
}
