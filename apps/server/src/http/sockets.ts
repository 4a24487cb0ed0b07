import {
  type Ack,
  type ClientToServerEvents,
  controlSchema,
  injectSchema,
  type ServerToClientEvents,
  speedSchema,
  watchSchema,
} from '@eolab/protocol';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { localCommands, type RunCommands } from '../cluster/run-commands';
import { RunError } from '../runs/run-error';
import type { RunManager } from '../runs/run-manager';
import { createRun } from './create-run';
import { describeError, parseOr400 } from './errors';
import type { RateLimits } from './rate-limits';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export const roomOf = (runId: string) => `run:${runId}`;

/**
 * Output a socket has not yet written: a client that asks for snapshots faster than it reads
 * them would otherwise pile them up in the server's memory.
 */
const MAX_PENDING_OUTPUT_BYTES = 1024 * 1024;
const MAX_PENDING_PACKETS = 32;
/**
 * A snapshot (up to a few hundred KB) costs this many commands of the socket's allowance: a
 * dashboard watches a run when it opens it, not dozens of times a second.
 */
const WATCH_COST = 10;
/**
 * Bytes one socket may send per second, per command of its budget (1 MiB at the default 50): a
 * dashboard's commands are a few KB at most. A socket past it is dropped at once, before its flood
 * is parsed message after message (each can be 64 KiB).
 */
const BYTES_PER_COMMAND = 20 * 1024;
const MIN_BYTES_PER_SECOND = 1024 * 1024;

function pendingOutputTooLarge(socket: IoSocket): boolean {
  const conn = socket.conn as unknown as {
    writeBuffer?: unknown[];
    transport?: { socket?: { bufferedAmount?: number } };
  };
  return (
    (conn.writeBuffer?.length ?? 0) > MAX_PENDING_PACKETS ||
    (conn.transport?.socket?.bufferedAmount ?? 0) > MAX_PENDING_OUTPUT_BYTES
  );
}

/**
 * Socket commands. Every payload is parsed before use; a bad one gets `{ok: false, error}` in its
 * acknowledgement and the connection stays up. A command without an acknowledgement callback is
 * ignored. Each socket has a command budget per second; one that floods far past it is dropped.
 */
export function handleSockets(
  io: IoServer,
  manager: RunManager,
  rates: RateLimits,
  log: Logger,
  // In a cluster, commands for a run that lives on another server are answered there.
  runs: RunCommands = localCommands(manager),
): void {
  const maxBytesPerSecond = Math.max(MIN_BYTES_PER_SECOND, rates.commandsPerSecond * BYTES_PER_COMMAND);
  io.on('connection', (socket: IoSocket) => {
    const address = socket.handshake.address;
    let windowStart = performance.now();
    let bytesInWindow = 0;
    socket.conn.on('data', (data: string | Buffer) => {
      const now = performance.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        bytesInWindow = 0;
      }
      bytesInWindow += data.length;
      if (bytesInWindow > maxBytesPerSecond && socket.connected) {
        log.warn({ address, maxBytesPerSecond }, 'socket dropped: it sent too many bytes in a second');
        socket.disconnect(true);
      }
    });
    // Every event a socket sends, unknown ones included, is counted against its budget before any
    // handler runs: an event nobody listens to still costs the server its parsing.
    socket.use((packet, next) => {
      const [event] = packet;
      const last: unknown = packet[packet.length - 1];
      const cost = event === 'run:watch' ? WATCH_COST : 1;
      void rates.takeCommand(socket.id, cost).then(
        (allowed) => {
          if (allowed === 'ok') return next();
          if (allowed === 'flooding') {
            log.warn(
              { address, event: String(event) },
              'socket dropped: it kept flooding past its command limit',
            );
            socket.disconnect(true);
            return;
          }
          if (typeof last === 'function')
            (last as (result: Ack<never>) => void)({
              ok: false,
              error: `too many commands: at most ${rates.commandsPerSecond} per second per socket`,
            });
        },
        () => socket.disconnect(true),
      );
    });
    const on = <T>(event: keyof ClientToServerEvents, handler: (payload: unknown) => T | Promise<T>) => {
      socket.on(event, async (payload: unknown, ack: unknown) => {
        if (typeof ack !== 'function') return;
        const reply = ack as (result: Ack<T>) => void;
        try {
          reply({ ok: true, data: await handler(payload) });
        } catch (error) {
          const { status, message } = describeError(error);
          if (status >= 500) log.error({ err: error, event }, 'socket command failed');
          reply({ ok: false, error: message });
        }
      });
    };

    on('run:create', async (payload) => {
      const run = await createRun(manager, rates, payload, address);
      return { runId: run.id };
    });
    on('run:watch', async (payload) => {
      const { runId } = parseOr400(watchSchema, payload);
      if (pendingOutputTooLarge(socket)) {
        throw new RunError(429, 'busy: earlier snapshots have not been read yet; watch again later');
      }
      // In the room first: a run on another server sends deltas while its snapshot comes (the
      // dashboard orders them by their sequence numbers).
      void socket.join(roomOf(runId));
      try {
        // The snapshot goes out as JSON serialised once per change and shared by every watcher.
        return await runs.snapshotJson(runId);
      } catch (error) {
        void socket.leave(roomOf(runId));
        throw error;
      }
    });
    on('run:unwatch', (payload) => {
      const { runId } = parseOr400(watchSchema, payload);
      void socket.leave(roomOf(runId));
      return null;
    });
    on('run:control', (payload) => {
      const { runId, action } = parseOr400(controlSchema, payload);
      return runs.control(runId, action);
    });
    on('run:speed', (payload) => {
      const { runId, speed } = parseOr400(speedSchema, payload);
      return runs.setSpeed(runId, speed);
    });
    on('run:inject', async (payload) => {
      const { runId, fault, seenMs } = parseOr400(injectSchema, payload);
      return { fault: await runs.inject(runId, fault, seenMs) };
    });
  });
}
