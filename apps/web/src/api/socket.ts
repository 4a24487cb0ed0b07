import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@eolab/protocol';
import { io, type Socket } from 'socket.io-client';

/**
 * The socket as a transport: one connection for the page, and requests answered with
 * `{ok, data | error}`. What the server's pushes do to the screen is wired in sync/connection.ts.
 */

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: AppSocket | null = null;
let refusalListener: (reason: string) => void = () => {};

/** One socket for the page; it reconnects by itself. */
export function getSocket(): AppSocket {
  if (socket === null) socket = io({ transports: ['websocket'], reconnectionDelayMax: 2_000 });
  return socket;
}

/** Who hears the server's refusals (the header shows the last one). */
export function onRefusal(listener: (reason: string) => void): void {
  refusalListener = listener;
}

/**
 * One request to the server: the data, or a rejection with the server's reason (also passed to
 * the refusal listener).
 */
export function send<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = getSocket();
    // socket.io would queue the call and replay it on reconnect, against a server that moved on.
    if (!socket.connected) {
      reject(new Error('not connected to the server'));
      return;
    }
    (socket.emit as (e: string, p: unknown, ack: (r: Ack<T>) => void) => void)(event, payload, (result) => {
      if (result.ok) resolve(result.data);
      else {
        refusalListener(result.error);
        reject(new Error(result.error));
      }
    });
  });
}
