import { SPEEDS, type Speed } from '@eolab/protocol';
import { useShallow } from 'zustand/react/shallow';
import { chooseSpeed } from '../actions/run';
import { isLive } from '../state/run';
import { useStore } from '../state/store';
import { REAL_TIME_REASON } from './BackendChoice';

/** The run's speed: the live run's on screen, else the next one's. A real run has none. */
export function SpeedChoice() {
  const { speed, live, realRun, realChosen } = useStore(
    useShallow((s) => ({
      speed: s.speed,
      live: isLive(s.run?.state),
      realRun: s.backend?.kind === 'postgres',
      realChosen: s.backendChoice === 'postgres',
    })),
  );
  // Speed acts on the live run on screen, else on the next one: off when that one is (or will be) real.
  const noSpeed = live ? realRun : realChosen;
  return (
    <fieldset className="speed" disabled={noSpeed} title={noSpeed ? REAL_TIME_REASON : undefined}>
      <legend>Speed</legend>
      {SPEEDS.map((s: Speed) => (
        <label key={s}>
          <input type="radio" name="speed" value={s} checked={speed === s} onChange={() => chooseSpeed(s)} />{' '}
          {s}
        </label>
      ))}
    </fieldset>
  );
}
