import { msText, type ProtocolMessage } from '@eolab/engine';
import type { MessageBundle, MessagesPage } from '@eolab/protocol';
import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { highlight } from '../actions/controls';
import { getMessages } from '../api/rest';
import { useTimeDomain } from '../charts/time-domain';
import { type Scale, TimelineFrame } from '../charts/timeline-frame';
import {
  atMoment,
  bundleText,
  FAMILY_OF,
  laneLabel,
  type MessageFamily,
  messageText,
  type Placed,
  placeInMillisecond,
  SHORT_WORD,
  type SystemWords,
  sentenceFinder,
} from '../explain/diagram';
import { selectNarration } from '../state/narration';
import { useStore } from '../state/store';
import { useFactsPage } from '../sync/facts-sync';

const LANE_PX = 20;
const TOP_PX = 6;
/** Messages the diagram asks to see one by one: more than a panel's width can show apart. */
const LIMIT = 400;
/** A window with at most this many messages has each arrow labelled with its word. */
const LABELLED = 60;

const FAMILY_COLOR: { [F in MessageFamily]: string } = {
  checkpoint: 'var(--c1)',
  transaction: 'var(--c3)',
  trouble: 'var(--bad)',
  fault: 'var(--fault)',
  recovery: 'var(--restore)',
  checker: 'var(--muted)',
};

const FAMILY_NAMES: [MessageFamily, string][] = [
  ['checkpoint', 'checkpoint'],
  ['transaction', 'transaction'],
  ['trouble', 'failure, abort'],
  ['fault', 'fault, zombie'],
  ['recovery', 'cancel, restore'],
];

/**
 * The run as a space-time diagram (Lamport's): one lane per actor, time along them, and the
 * protocol's messages as arrows between lanes. It shows the window on screen (the zoom, else the
 * whole run), as the run stood at the scrubbed time, and asks the server for just that window.
 */
export const ProtocolDiagram = memo(function ProtocolDiagram() {
  const runId = useStore((s) => s.runId);
  const kafka = useStore((s) => s.scenario?.system === 'kafka');
  const domain = useTimeDomain();
  const [fromMs, toMs] = domain;
  const { page, error } = useFactsPage<MessagesPage>(`${fromMs}-${toMs}`, (id, signal) =>
    getMessages(id, { fromMs, toMs, limit: LIMIT }, { signal }),
  );
  if (runId === null) return null;
  return (
    <section className="panel" aria-labelledby="diagram-title">
      <div className="panel-head">
        <h2 id="diagram-title">Protocol diagram</h2>
        <ul className="legend">
          {FAMILY_NAMES.map(([family, name]) => (
            <li key={family}>
              <span className="swatch" style={{ background: FAMILY_COLOR[family] }} aria-hidden="true" />
              {name}
            </li>
          ))}
        </ul>
      </div>
      <p className="hint">
        {kafka
          ? "Who told whom what, and when: barriers, acknowledgements, notifications, commits and aborts between the checkpoint coordinator, each attempt's tasks, Kafka's transaction coordinator and broker, and the checker. Drag across it to zoom; pick a sentence of the story to see its messages."
          : "Who told whom what, and when: barriers, acknowledgements, notifications, commits, lease pings and aborts between the checkpoint coordinator, each attempt's tasks, Pravega and the checker. Drag across it to zoom; pick a sentence of the story to see its messages."}
      </p>
      {error !== null && <p className="muted">The diagram could not be loaded: {error}</p>}
      {page !== null && <Diagram page={page} />}
    </section>
  );
});

function Diagram({ page }: { page: MessagesPage }) {
  // Not the run's clock, nor its story: a live run would redraw every arrow ten times a second.
  // The page changes at most once a second while it runs; the sentences are read when it does.
  const { scrubMs, highlightMs, system, partitions } = useStore(
    useShallow((s) => ({
      scrubMs: s.scrubMs,
      highlightMs: s.highlightMs,
      system: s.scenario?.system ?? 'pravega',
      partitions: s.scenario?.kafka.partitions ?? 1,
    })),
  );
  const words = useMemo<SystemWords>(() => ({ system, partitions }), [system, partitions]);
  const sentenceOf = sentenceFinder(selectNarration(useStore.getState()).sentences);
  const nowMs = scrubMs ?? Number.POSITIVE_INFINITY;
  const laneY = useMemo(
    () => new Map(page.lanes.map((l, i) => [l, TOP_PX + i * LANE_PX + LANE_PX / 2])),
    [page.lanes],
  );
  // As the run stood at the time on screen: nothing sent after it; what was in flight, still is.
  const shown = page.messages.filter((m) => m.sentMs <= nowMs);
  const placed = useMemo(() => placeInMillisecond(page.messages), [page.messages]);
  const bundled = page.bundles.reduce((n, b) => n + b.count, 0);
  const lanesPx = TOP_PX * 2 + page.lanes.length * LANE_PX;
  const y = (lane: string) => laneY.get(lane) ?? TOP_PX;
  return (
    <>
      <p className="diagram-count" data-testid="diagram-count">
        {bundled === 0
          ? `${page.total} messages between ${page.fromMs.toLocaleString('en')} and ${msText(page.toMs)}.`
          : `${page.messages.length} of ${page.total} messages drawn one by one; ${bundled} routine ones drawn as bands. Drag across the diagram to zoom in and see each.`}
        {!page.complete &&
          ' Early messages of this run were not kept: it was stored before the server kept them all.'}
      </p>
      <TimelineFrame label={`Protocol diagram: ${page.total} messages`} lanesPx={lanesPx}>
        {(x) => (
          <>
            {page.lanes.map((lane) => (
              <g key={lane}>
                <line x1={0} x2="100%" y1={y(lane)} y2={y(lane)} stroke="var(--grid)" />
                <text x={4} y={y(lane) - 3} className="lane-label">
                  {laneLabel(lane, words)}
                </text>
              </g>
            ))}
            {page.bundles.map((b) => (
              <Band
                key={`${b.kind}|${b.from}|${b.to}|${b.fromMs}`}
                bundle={b}
                x={x}
                y={y}
                nowMs={nowMs}
                words={words}
              />
            ))}
            {shown.map((m) => (
              <Arrow
                key={m.seq}
                m={m}
                at={placed.get(m.seq)!}
                x={x}
                y={y}
                nowMs={nowMs}
                words={words}
                lit={atMoment(m, highlightMs)}
                labelled={shown.length <= LABELLED}
                sentence={sentenceOf(m)?.text ?? null}
              />
            ))}
          </>
        )}
      </TimelineFrame>
      <details className="diagram-list">
        <summary>The diagram as a list ({shown.length + page.bundles.length} entries)</summary>
        <ol aria-label="Protocol messages">
          {shown.map((m) => (
            <li key={m.seq}>
              <button
                type="button"
                className="link"
                aria-current={atMoment(m, highlightMs) ? 'true' : undefined}
                onClick={() => highlight(m.receivedMs)}
              >
                {messageText(m, words)}
              </button>
            </li>
          ))}
          {page.bundles.map((b) => (
            <li key={`${b.kind}|${b.from}|${b.to}|${b.fromMs}`}>{bundleText(b, words)}</li>
          ))}
        </ol>
      </details>
    </>
  );
}

/** Where a time and a lane are on the diagram, and the time on screen (what is sent after it is not drawn). */
interface Placing {
  x: Scale;
  y: (lane: string) => number;
  nowMs: number;
  words: SystemWords;
}

function Arrow({
  m,
  at,
  x,
  y,
  nowMs,
  words,
  lit,
  labelled,
  sentence,
}: Placing & {
  m: ProtocolMessage;
  at: Placed;
  lit: boolean;
  labelled: boolean;
  sentence: string | null;
}) {
  const color = lit ? 'var(--accent)' : FAMILY_COLOR[FAMILY_OF[m.kind]];
  const title = `${messageText(m, words)}${sentence === null ? '' : `\nIn the story: ${sentence}`}`;
  const x1 = x(at.sentAt);
  const y1 = y(m.from);
  if (m.from === m.to) {
    return (
      <rect
        x={x1 - 4}
        y={y1 - 4}
        width={8}
        height={8}
        transform={`rotate(45 ${x1} ${y1})`}
        fill={color}
        className="diagram-mark"
        data-kind={m.kind}
        data-lit={lit}
      >
        <title>{title}</title>
      </rect>
    );
  }
  // In flight at the time on screen: drawn as far as it got.
  const inFlight = m.receivedMs > nowMs;
  const end = inFlight ? nowMs : at.receivedAt;
  const share = at.receivedAt === at.sentAt ? 1 : (end - at.sentAt) / (at.receivedAt - at.sentAt);
  const x2 = x(end);
  const y2 = y1 + (y(m.to) - y1) * share;
  return (
    <g className="diagram-arrow" data-kind={m.kind} data-lit={lit}>
      <title>{title}</title>
      <line
        x1={x1}
        y1={y1}
        x2={x2}
        y2={y2}
        stroke={color}
        strokeWidth={lit ? 2.5 : 1.2}
        strokeDasharray={inFlight ? '3 3' : undefined}
      />
      {!inFlight && <Head x1={x1} y1={y1} x2={x2} y2={y2} color={color} />}
      {labelled && (
        <text x={(x1 + x2) / 2 + 3} y={(y1 + y2) / 2} className="diagram-word" fill={color}>
          {SHORT_WORD[m.kind]}
        </text>
      )}
      {/* A wider invisible line makes a thin arrow easy to point at. */}
      <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="transparent" strokeWidth={8} />
    </g>
  );
}

/** An arrowhead at (x2, y2) pointing along the line. */
function Head({ x1, y1, x2, y2, color }: { x1: number; y1: number; x2: number; y2: number; color: string }) {
  const angle = Math.atan2(y2 - y1, x2 - x1);
  const size = 6;
  const a = angle + Math.PI - 0.45;
  const b = angle + Math.PI + 0.45;
  const points = `${x2},${y2} ${x2 + size * Math.cos(a)},${y2 + size * Math.sin(a)} ${x2 + size * Math.cos(b)},${y2 + size * Math.sin(b)}`;
  return <polygon points={points} fill={color} />;
}

/**
 * Routine messages too dense to draw apart: one faint arrow per slice of the window, kind and pair
 * of lanes, thicker the more messages it stands for; its tooltip counts them.
 */
function Band({ bundle, x, y, nowMs, words }: Placing & { bundle: MessageBundle }) {
  if (bundle.fromMs > nowMs) return null;
  const x1 = x(bundle.fromMs);
  const x2 = Math.max(x(Math.min(bundle.toMs, nowMs)), x1 + 1);
  const color = FAMILY_COLOR[FAMILY_OF[bundle.kind]];
  const y1 = y(bundle.from);
  const y2 = y(bundle.to);
  const title = <title>{`${bundleText(bundle, words)} (zoom in to see each)`}</title>;
  if (y1 === y2)
    return (
      <rect x={x1} y={y1 - 2} width={x2 - x1} height={4} fill={color} opacity={0.35} className="diagram-band">
        {title}
      </rect>
    );
  return (
    <line
      x1={x1}
      y1={y1}
      x2={x2}
      y2={y2}
      stroke={color}
      strokeWidth={Math.min(4, 0.8 + Math.log10(bundle.count))}
      opacity={0.4}
      className="diagram-band"
    >
      {title}
    </line>
  );
}
