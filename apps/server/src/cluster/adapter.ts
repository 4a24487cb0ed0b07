import type { createAdapter } from '@socket.io/redis-streams-adapter';
import { Adapter, type BroadcastOptions, type ClusterAdapter, MessageType } from 'socket.io-adapter';

type AdapterFactory = ReturnType<typeof createAdapter>;

/**
 * socket.io's Redis streams adapter, with two changes to how it broadcasts (each explained below):
 * this server's own sockets are written without waiting for Redis, and entries read from the
 * stream go out one per turn of the event loop.
 */
export function clusterAdapter(factory: AdapterFactory): AdapterFactory {
  // Called with `new` by socket.io: a function (not an arrow) that returns the adapter.
  return function adapter(nsp: unknown) {
    const made = factory(nsp);
    notWaitingForRedis(made as unknown as ClusterAdapter);
    paced(made);
    return made;
  };
}

/**
 * The cluster adapter sends a broadcast to Redis and waits for the XADD's answer before writing it
 * to this server's own sockets (the answer's offset is for connection-state recovery, which the
 * lab does not use). So while Redis was away (ioredis holds the XADD until it is back) the watchers
 * of a run on its own server froze with the others, and every delta waited a round trip to Redis
 * behind the simulation's tick. Here the copy for the other servers is sent first (ioredis writes
 * it to the socket at once, so it does not wait behind this server's fan-out either) and the
 * sockets here are written right after, without waiting for Redis's answer.
 */
function notWaitingForRedis(adapter: ClusterAdapter): void {
  adapter.broadcast = (packet: unknown, opts: BroadcastOptions) => {
    if (opts.flags?.local !== true)
      (adapter as unknown as { publish: (message: unknown) => void }).publish({
        type: MessageType.BROADCAST,
        data: {
          packet,
          opts: { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags },
        },
      });
    Adapter.prototype.broadcast.call(adapter, packet, opts);
    return Promise.resolve();
  };
}

/**
 * The adapter reads the stream in batches (XREAD, up to 100 entries) and broadcasts the entries
 * one after the other in one loop. Deltas go out volatile: a socket whose previous frame is still
 * being written skips the next one, and its browser, seeing the gap, asks for a fresh snapshot
 * (from the run's server, through Redis). Two deltas broadcast in the same tick make every watcher
 * on this server skip the second (a socket is writable again only once its write's callback ran),
 * where the run's own server, sending each delta on its own tick, loses none. The entries are
 * taken one per turn of the event loop instead, in order, so the frames of one are written before
 * the next is sent (docs/benchmarks.md, 7 December: several servers).
 */
function paced(adapter: ReturnType<AdapterFactory>): void {
  const handle = adapter.onRawMessage.bind(adapter);
  const waiting: Parameters<typeof handle>[] = [];
  let draining = false;
  const next = () => {
    const entry = waiting.shift();
    if (entry === undefined) {
      draining = false;
      return;
    }
    handle(...entry);
    setImmediate(next);
  };
  adapter.onRawMessage = (...entry: Parameters<typeof handle>) => {
    waiting.push(entry);
    if (draining) return;
    draining = true;
    next();
  };
}
