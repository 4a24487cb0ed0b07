import { getNarration } from '../api/rest';
import { prependNarration } from '../state/narration';
import { useStore } from '../state/store';

/** Loads the page before the sentences held, for a person reading back through a long run. */
export async function loadEarlier(): Promise<void> {
  const { runId, narration: held } = useStore.getState();
  if (runId === null || held === null || held.from === 0) return;
  const limit = Math.min(held.from, 200);
  const page = await getNarration(runId, held.from - limit, limit);
  const now = useStore.getState().narration;
  if (now === null || now.from !== held.from) return;
  useStore.setState({ narration: prependNarration(now, page) });
}
