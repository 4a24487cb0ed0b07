import type { VerifiedOutcome, VerifiedSchedule } from '@eolab/protocol';
import { ScrollRegion } from './ScrollRegion';

const AGREEMENT: Record<VerifiedSchedule['agreement'], string> = {
  agree: 'agree',
  timing: 'timing decides',
  differ: 'DIFFER',
};

function outcome(o: VerifiedOutcome): string {
  const n = o.duplicates + o.missing;
  return `${o.verdict}${n > 0 ? ` (${o.duplicates}/${o.missing})` : ''}${o.ending === 'finished' ? '' : ` ${o.ending}`}`;
}

/** A sweep on PostgreSQL: each schedule on the model and for real, and how they compare (eolab verify --schedules). */
export function SweepVerification({ schedules }: { schedules: VerifiedSchedule[] }) {
  const count = (a: VerifiedSchedule['agreement']) => schedules.filter((s) => s.agreement === a).length;
  const notAgreeing = schedules.filter((s) => s.agreement !== 'agree');
  return (
    <>
      <p data-testid="verify-summary">
        {schedules.length} schedules: {count('agree')} agree value for value, {count('timing')} differ only
        where timing decides, {count('differ')} differ otherwise
      </p>
      <ScrollRegion
        className="table-scroll sweep-by-kind"
        label="Each schedule on the model and on PostgreSQL"
      >
        <table className="history-table" data-testid="verify-table">
          <caption className="sr-only">Each schedule on the model and on PostgreSQL</caption>
          <thead>
            <tr>
              {['#', 'seed', 'mode', 'faults', 'model', 'PostgreSQL', 'agreement'].map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.index} className={s.agreement === 'differ' ? 'bad' : undefined}>
                <td>{s.index}</td>
                <td>{s.seed}</td>
                <td>{s.mode}</td>
                <td>{s.faults.map((f) => f.kind).join(', ') || 'none'}</td>
                <td>{outcome(s.model)}</td>
                <td>{outcome(s.postgres)}</td>
                <td>{AGREEMENT[s.agreement]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <p className="muted">Verdicts with (duplicates/missing) when there are any.</p>
      {notAgreeing.length > 0 && (
        <ul className="past-sweeps">
          {notAgreeing.map((s) => (
            <li key={s.index}>
              #{s.index} {AGREEMENT[s.agreement]}: {s.timingDecides ?? 'a deterministic schedule'}
              {[...s.differences, ...s.notes].map((d) => (
                <div key={d} className="muted">
                  {d}
                </div>
              ))}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
