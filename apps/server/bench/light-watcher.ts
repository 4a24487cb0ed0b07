/**
 * A watcher for the load benchmark that speaks socket.io's wire protocol (Engine.IO 4, socket.io
 * 5) over a bare WebSocket and reads of each delta only what the benchmark measures: its `seq`,
 * its `sentAt` and whether it is the run's last.
 *
 * Why: the benchmark's thousands of watchers share this machine's two cores with the servers. A
 * socket.io-client decodes every copy of every delta (5,000 JSON parses of each at 5,000
 * watchers), and that decoding queue, which a real dashboard does on its own machine, is what the
 * benchmark measured as the servers' latency. Each frame still travels the same WebSocket, is
 * checked for its run and counted; only the parse is skipped. Each watcher process keeps its first
 * client a full socket.io-client (watchers.ts), which decodes everything as the dashboard does.
 */
import WebSocket from 'ws';

/** What a watcher reports of each delta of its run. */
export type OnDelta = (seq: number, sentAtMs: number, final: boolean) => void;

/** A non-final delta ends `..."outcome":null,"sentAt":<ms>,...`: the server writes its keys in this order. */
const NOT_FINAL = Buffer.from('"outcome":null,"sentAt":');
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/** The decimal integer written at `at`. */
function integerAt(frame: Buffer, at: number): number {
  let n = 0;
  for (let i = at; i < frame.length; i++) {
    const c = frame[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) break;
    n = n * 10 + c - DIGIT_0;
  }
  return n;
}

export class LightWatcher {
  private nextAck = 0;
  private readonly acks = new Map<number, (payload: string) => void>();
  private deltaPrefix: Buffer | null = null;

  private constructor(
    private readonly ws: WebSocket,
    private readonly onDelta: OnDelta,
  ) {
    ws.on('message', (data: Buffer) => this.frame(data));
  }

  /** Opens the WebSocket and joins socket.io's main namespace. */
  static connect(url: string, onDelta: OnDelta): Promise<LightWatcher> {
    const address = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(address, { perMessageDeflate: false });
      const opening = (data: Buffer) => {
        const text = data.toString();
        // Engine.IO's open packet, then socket.io's answer to our CONNECT.
        if (text.startsWith('0{')) ws.send('40');
        else if (text.startsWith('40')) {
          ws.off('message', opening);
          resolve(new LightWatcher(ws, onDelta));
        } else if (text.startsWith('44'))
          reject(new Error(`socket.io refused the connection: ${text.slice(2)}`));
      };
      ws.on('message', opening);
      ws.once('error', reject);
    });
  }

  /** `run:watch`, resolved when the server acknowledges it. */
  watch(runId: string): Promise<void> {
    this.deltaPrefix = Buffer.from(`42["run:delta",{"runId":${JSON.stringify(runId)},"seq":`);
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      this.acks.set(id, (payload) => {
        const [answer] = JSON.parse(payload) as [{ ok: boolean; error?: string }];
        if (answer.ok) resolve();
        else reject(new Error(`run:watch: ${answer.error}`));
      });
      this.ws.send(`42${id}${JSON.stringify(['run:watch', { runId }])}`);
    });
  }

  /** Bytes this client's TCP connection has read. */
  get bytesRead(): number {
    return (this.ws as unknown as { _socket: { bytesRead: number } })._socket.bytesRead;
  }

  close(): void {
    this.ws.close();
  }

  private frame(frame: Buffer): void {
    const prefix = this.deltaPrefix;
    if (
      prefix !== null &&
      frame.length > prefix.length &&
      frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
    ) {
      const seq = integerAt(frame, prefix.length);
      const at = frame.lastIndexOf(NOT_FINAL);
      if (at >= 0) {
        this.onDelta(seq, integerAt(frame, at + NOT_FINAL.length), false);
        return;
      }
      // The run's last delta (an outcome): rare, so decoded whole.
      const [, delta] = JSON.parse(frame.toString().slice(2)) as [string, { sentAt: number; state: string }];
      this.onDelta(seq, delta.sentAt, delta.state !== 'running');
      return;
    }
    // Engine.IO ping: answered with a pong, or the server drops the connection.
    if (frame.length === 1 && frame[0] === 0x32) {
      this.ws.send('3');
      return;
    }
    const text = frame.toString();
    const ack = /^43(\d+)/.exec(text);
    if (ack !== null) {
      const id = Number(ack[1]);
      this.acks.get(id)?.(text.slice(ack[0].length));
      this.acks.delete(id);
    }
  }
}
