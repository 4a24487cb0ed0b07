/**
 * Times and durations in the lab's own sentences (narration, causes, preflight, shrink steps),
 * grouped by thousands as the dashboard writes them: `30,046 ms`. Values and positions stay bare
 * (`value 7798`): they are names a person searches for. Lines that imitate a real component's log
 * keep that component's format.
 */
export function msText(ms: number): string {
  return `${ms.toLocaleString('en')} ms`;
}

/** `8,705–8,750 ms`, or `8,750 ms` when both ends are the same. */
export function msRangeText(from: number, to: number): string {
  return from === to ? msText(from) : `${from.toLocaleString('en')}–${msText(to)}`;
}
