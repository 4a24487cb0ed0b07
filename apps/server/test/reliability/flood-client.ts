/**
 * A hostile client, run as its own process by the flood test: it sends `run:watch` for one run as
 * fast as it can for a while, reconnecting whenever the server drops it, and prints what happened.
 * Usage: node --import tsx flood-client.ts URL RUN_ID SECONDS
 */
import { io } from 'socket.io-client';

const [url, runId, seconds] = process.argv.slice(2) as [string, string, string];
const until = Date.now() + Number(seconds) * 1000;
const tally = { sent: 0, snapshots: 0, refused: 0, drops: 0, snapshotBytes: 0 };
const BATCH = 200;

const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
socket.on('disconnect', () => {
  tally.drops++;
  if (Date.now() < until) socket.connect();
});

function flood(): void {
  if (Date.now() >= until) {
    socket.disconnect();
    process.stdout.write(`${JSON.stringify(tally)}\n`);
    process.exit(0);
  }
  if (socket.connected) {
    for (let i = 0; i < BATCH; i++) {
      tally.sent++;
      socket.emit('run:watch', { runId }, (result: { ok: boolean; data?: unknown }) => {
        if (result.ok) {
          tally.snapshots++;
          if (tally.snapshotBytes === 0) tally.snapshotBytes = JSON.stringify(result.data).length;
        } else tally.refused++;
      });
    }
  }
  setImmediate(flood);
}
socket.once('connect', flood);
