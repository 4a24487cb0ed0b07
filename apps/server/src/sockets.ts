import {
  type Ack,
  type ClientToServerEvents,
  controlSchema,
  createRunSchema,
  injectSchema,
  type ServerToClientEvents,
  speedSchema,
  watchSchema,
} from '@eolab/protocol';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { describeError, parseOr400 } from './errors';
import type { RunManager } from './run-manager';
import { scenarioOf } from './scenario-source';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export const roomOf = (runId: string) => `run:${runId}`;

/**
 * Socket commands. Every payload is parsed before use; a bad one gets `{ok: false, error}` in its
 * acknowledgement and the connection stays up. A command without an acknowledgement callback is ignored.
 */
export function handleSockets(io: IoServer, manager: RunManager, log: Logger): void {
  io.on('connection', (socket: IoSocket) => {
    const on = <T>(event: keyof ClientToServerEvents, handler: (payload: unknown) => T) => {
      socket.on(event, (payload: unknown, ack: unknown) => {
        if (typeof ack !== 'function') return;
        const reply = ack as (result: Ack<T>) => void;
        try {
          reply({ ok: true, data: handler(payload) });
        } catch (error) {
          const { status, message } = describeError(error);
          if (status >= 500) log.error({ err: error, event }, 'socket command failed');
          reply({ ok: false, error: message });
        }
      });
    };

    on('run:create', (payload) => {
      const request = parseOr400(createRunSchema, payload);
      const run = manager.create(scenarioOf(request), {
        name: request.name,
        speed: request.speed,
        start: request.start,
        replayOf: request.replayOf,
      });
      return { runId: run.id };
    });
    on('run:watch', (payload) => {
      const { runId } = parseOr400(watchSchema, payload);
      const snapshot = manager.snapshot(runId);
      void socket.join(roomOf(runId));
      return snapshot;
    });
    on('run:unwatch', (payload) => {
      const { runId } = parseOr400(watchSchema, payload);
      void socket.leave(roomOf(runId));
      return null;
    });
    on('run:control', (payload) => {
      const { runId, action } = parseOr400(controlSchema, payload);
      return manager.control(runId, action);
    });
    on('run:speed', (payload) => {
      const { runId, speed } = parseOr400(speedSchema, payload);
      return manager.setSpeed(runId, speed);
    });
    on('run:inject', (payload) => {
      const { runId, fault } = parseOr400(injectSchema, payload);
      return { fault: manager.inject(runId, fault) };
    });
  });
}
