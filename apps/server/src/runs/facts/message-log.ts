import {
  CHECKER,
  CONTROLLER,
  COORDINATOR,
  type LaneKey,
  laneOrder,
  MESSAGE_KINDS,
  type MessageKind,
  type ProtocolMessage,
  ProtocolTracer,
  type SimEvent,
  STORE,
  STORY_MESSAGES,
} from '@eolab/engine';
import type { MessageBundle, MessagesPage, MessagesQuery } from '@eolab/protocol';
import { NO_TIME, Table, timeCell, timeOrNull } from './columns';

/** Lanes every diagram shows, even before they speak. */
const FIXED_LANES: readonly LaneKey[] = [COORDINATOR, CONTROLLER, STORE, CHECKER];

/** A dense window's routine messages are counted in this many slices of it. */
const BUNDLE_SLICES = 40;

const KIND_CODE = new Map<MessageKind, number>(MESSAGE_KINDS.map((k, i) => [k, i]));
/** kind: 6 bits, then the from and to lanes: 13 bits each (8,192 lanes: 1,000 attempts of 7 tasks). */
const LANE_BITS = 13;
const LANE_MASK = (1 << LANE_BITS) - 1;

export interface MessageLogMeta {
  lanes: LaneKey[];
  notes: string[];
  maxSpanMs: number;
}

/**
 * Every protocol message of a run (engine's ProtocolTracer), 32 bytes each in typed columns: a
 * checkpoint of a two-subtask job is about 18 messages. Messages are kept in the order the run
 * produced them, which is the order of their receive times, so a window is found by bisection.
 * Notes (a failure's reason, a fault's detail) are rare and interned.
 */
export class MessageLog {
  private readonly tracer: ProtocolTracer;
  private readonly table = new Table();
  private readonly sent = this.table.column(Uint32Array, NO_TIME);
  private readonly received = this.table.column(Uint32Array, NO_TIME);
  /** kind | from lane | to lane, packed. */
  private readonly shape = this.table.column(Uint32Array);
  private readonly answers = this.table.column(Int32Array, -1);
  private readonly checkpoint = this.table.column(Int32Array, -1);
  private readonly txn = this.table.column(Int32Array, -1);
  private readonly values = this.table.column(Int32Array, -1);
  private readonly note = this.table.column(Int32Array, -1);
  private lanes: LaneKey[] = [];
  private readonly laneCodes = new Map<LaneKey, number>();
  private notes: string[] = [];
  private readonly noteCodes = new Map<string, number>();
  /** The longest a message was in flight: how far past a window's end its arrivals are looked for. */
  private maxSpanMs = 0;
  /** The latest receive time so far: a real run's clock may step back by a rounding. */
  private lastReceivedMs = 0;

  constructor(parallelism: number) {
    this.tracer = new ProtocolTracer(parallelism);
  }

  get total(): number {
    return this.table.rows;
  }

  get bytes(): number {
    return this.table.bytes;
  }

  observe(e: SimEvent): void {
    for (const m of this.tracer.push(e)) this.append(m);
  }

  private append(m: ProtocolMessage): void {
    const row = this.table.rows;
    this.table.grow(row + 1);
    // Kept in order of receipt: bisection needs it, and a real run's times are rounded anyway.
    const received = Math.max(timeCell(m.receivedMs), this.lastReceivedMs);
    const sent = Math.min(timeCell(m.sentMs), received);
    this.lastReceivedMs = received;
    this.maxSpanMs = Math.max(this.maxSpanMs, received - sent);
    this.sent.values[row] = sent;
    this.received.values[row] = received;
    this.shape.values[row] =
      ((KIND_CODE.get(m.kind)! << (2 * LANE_BITS)) |
        (this.laneCode(m.from) << LANE_BITS) |
        this.laneCode(m.to)) >>>
      0;
    this.answers.values[row] = m.answers ?? -1;
    this.checkpoint.values[row] = m.checkpointId ?? -1;
    this.txn.values[row] = m.txnId ?? -1;
    this.values.values[row] = m.values ?? -1;
    this.note.values[row] = m.note === null ? -1 : this.noteCode(m.note);
  }

  private laneCode(lane: LaneKey): number {
    let code = this.laneCodes.get(lane);
    if (code === undefined) {
      // Past the packing's room, later lanes share the last code rather than corrupt the shape.
      code = Math.min(this.lanes.length, LANE_MASK);
      if (code === this.lanes.length) this.lanes.push(lane);
      this.laneCodes.set(lane, code);
    }
    return code;
  }

  private noteCode(note: string): number {
    let code = this.noteCodes.get(note);
    if (code === undefined) {
      code = this.notes.length;
      this.notes.push(note);
      this.noteCodes.set(note, code);
    }
    return code;
  }

  private kindAt(row: number): MessageKind {
    return MESSAGE_KINDS[this.shape.values[row]! >>> (2 * LANE_BITS)]!;
  }

  private fromAt(row: number): LaneKey {
    return this.lanes[(this.shape.values[row]! >>> LANE_BITS) & LANE_MASK]!;
  }

  private toAt(row: number): LaneKey {
    return this.lanes[this.shape.values[row]! & LANE_MASK]!;
  }

  message(row: number): ProtocolMessage {
    const cell = (c: Int32Array, r: number) => (c[r]! < 0 ? null : c[r]!);
    const note = this.note.values[row]!;
    return {
      seq: row,
      kind: this.kindAt(row),
      from: this.fromAt(row),
      to: this.toAt(row),
      sentMs: timeOrNull(this.sent.values[row]!) ?? 0,
      receivedMs: timeOrNull(this.received.values[row]!) ?? 0,
      answers: cell(this.answers.values, row),
      checkpointId: cell(this.checkpoint.values, row),
      txnId: cell(this.txn.values, row),
      values: cell(this.values.values, row),
      note: note < 0 ? null : this.notes[note]!,
    };
  }

  /** The first row received at or after `ms`. */
  private firstReceivedFrom(ms: number): number {
    let lo = 0;
    let hi = this.table.rows;
    const received = this.received.values;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (received[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The messages touching [fromMs, toMs]: received in it, or sent by its end and received after.
   * At most `limit` one by one; past that, the story ones stay listed and the routine ones are
   * counted per slice of the window, per kind and pair of lanes.
   */
  window(query: MessagesQuery, complete: boolean): MessagesPage {
    const fromMs = Math.min(query.fromMs, query.toMs);
    const toMs = Math.max(query.fromMs, query.toMs);
    const start = this.firstReceivedFrom(fromMs);
    const end = this.firstReceivedFrom(toMs + this.maxSpanMs + 1);
    // Counted first: a whole long run's window is millions of rows, never gathered into an array.
    const sent = this.sent.values;
    const shape = this.shape.values;
    let total = 0;
    const laneCodes = new Set<number>();
    for (let row = start; row < end; row++) {
      if (sent[row]! > toMs) continue;
      total++;
      laneCodes.add((shape[row]! >>> LANE_BITS) & LANE_MASK);
      laneCodes.add(shape[row]! & LANE_MASK);
    }
    const lanes = new Set<LaneKey>(FIXED_LANES);
    for (const code of laneCodes) lanes.add(this.lanes[code]!);
    const page = (messages: ProtocolMessage[], bundles: MessageBundle[]): MessagesPage => ({
      fromMs,
      toMs,
      total,
      lanes: [...lanes].sort(laneOrder),
      messages,
      bundles,
      complete,
    });
    if (total <= query.limit) {
      const messages: ProtocolMessage[] = [];
      for (let row = start; row < end; row++) if (sent[row]! <= toMs) messages.push(this.message(row));
      return page(messages, []);
    }
    return page(...this.bundled(start, end, fromMs, toMs, query.limit));
  }

  private bundled(
    start: number,
    end: number,
    fromMs: number,
    toMs: number,
    limit: number,
  ): [ProtocolMessage[], MessageBundle[]] {
    const listed: ProtocolMessage[] = [];
    const bundles = new Map<number, MessageBundle>();
    const slice = Math.max(1, (toMs - fromMs + 1) / BUNDLE_SLICES);
    for (let row = start; row < end; row++) {
      if (this.sent.values[row]! > toMs) continue;
      const kind = this.kindAt(row);
      if (STORY_MESSAGES.has(kind) && listed.length < limit) {
        listed.push(this.message(row));
        continue;
      }
      const received = Math.min(this.received.values[row]!, toMs);
      const i = Math.max(0, Math.floor((received - fromMs) / slice));
      // One bundle per slice and shape (kind and lanes): the key is a number, not a string per row.
      const key = i * 2 ** 32 + this.shape.values[row]!;
      const bundle = bundles.get(key);
      if (bundle !== undefined) bundle.count++;
      else
        bundles.set(key, {
          kind,
          from: this.fromAt(row),
          to: this.toAt(row),
          fromMs: Math.round(fromMs + i * slice),
          toMs: Math.round(Math.min(toMs, fromMs + (i + 1) * slice)),
          count: 1,
        });
    }
    return [listed, [...bundles.values()]];
  }

  /** The columns for the run store, with the lane and note tables in the header's meta. */
  encode(): { table: Uint8Array; meta: MessageLogMeta } {
    return {
      table: this.table.encode(),
      meta: { lanes: this.lanes, notes: this.notes, maxSpanMs: this.maxSpanMs },
    };
  }

  /** Reads `encode`'s columns at `from`; returns where they ended. A decoded log takes no more events. */
  decode(bytes: Uint8Array, from: number, meta: MessageLogMeta): number {
    const end = this.table.decode(bytes, from);
    this.lanes = meta.lanes;
    this.notes = meta.notes;
    this.maxSpanMs = meta.maxSpanMs;
    return end;
  }
}
