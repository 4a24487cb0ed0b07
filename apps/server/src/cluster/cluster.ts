import type { Fault } from '@eolab/engine';
import {
  type ClusterStatus,
  controlSchema,
  injectSchema,
  type RunSummary,
  speedSchema,
  watchSchema,
} from '@eolab/protocol';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { describeError, parseOr400 } from '../http/errors';
import { SerializedJson } from '../http/shared-json';
import type { IoServer } from '../http/sockets';
import { RunError } from '../runs/run-error';
import type { RunManager } from '../runs/run-manager';
import { clusterAdapter } from './adapter';
import { localCommands, type RunCommands } from './run-commands';

/**
 * Several servers, one lab (issue 22). With EOLAB_REDIS_URL every server's socket.io joins one
 * cluster through `@socket.io/redis-streams-adapter`: a run's deltas, emitted to its room by the
 * server that runs it, reach its watchers on every server, and `runs:changed` reaches every
 * dashboard. A run lives on the server that created it; a command for it that arrives elsewhere
 * (pause, speed, a fault, a snapshot) is sent to every other server with `serverSideEmit`, and the
 * one that has it live answers. When none has it, the run has ended (or was interrupted) and the
 * shared history answers.
 */

/**
 * How often each server tells the others it is alive, and after how long without that it is
 * dropped from the answers a forwarded command waits for (the adapter's heartbeat).
 */
const HEARTBEAT_MS = 1_000;
const HEARTBEAT_TIMEOUT_MS = 4_000;
/** The Redis stream the servers share; bounded, as the adapter trims it. */
const STREAM = 'eolab:socket.io';
const STREAM_MAX_LEN = 10_000;
const EVENT = 'cluster:command';

const COMMANDS = {
  control: controlSchema,
  speed: speedSchema,
  inject: injectSchema,
  snapshot: watchSchema,
} as const;
type CommandKind = keyof typeof COMMANDS;

/** A forwarded command as it travels between servers: parsed again where it lands. */
const forwardedSchema = z.strictObject({
  kind: z.enum(Object.keys(COMMANDS) as [CommandKind, ...CommandKind[]]),
  payload: z.unknown(),
});

/** A server's answer: `here: false` from every server that does not have the run live. */
type Answer =
  | { here: false }
  | { here: true; ok: true; data: unknown }
  | { here: true; ok: false; status: number; error: string };

export interface Cluster {
  /** This server's id in the cluster (runs it creates are its own in the shared history). */
  serverId: string;
  commands: RunCommands;
  /** Redis as this server's connection sees it, and the other servers it hears (their heartbeats). */
  redisStatus(): Promise<NonNullable<ClusterStatus['redis']>>;
  close(): Promise<void>;
}

/** Joins the socket.io cluster on Redis; commands for runs that live elsewhere go to their server. */
export function joinCluster(
  io: IoServer,
  manager: RunManager,
  redisUrl: string,
  log: Logger,
  serverId: string,
): Cluster {
  // Commands queue while Redis is away and go out when it is back (the adapter re-reads its stream).
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message !== lastError)
      log.warn({ err: error.message }, 'Redis (EOLAB_REDIS_URL) connection trouble');
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = '';
  });
  io.adapter(
    clusterAdapter(
      createAdapter(redis, {
        streamName: STREAM,
        maxLen: STREAM_MAX_LEN,
        heartbeatInterval: HEARTBEAT_MS,
        heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
      }),
    ),
  );
  const local = localCommands(manager);

  // Every other server's forwarded commands: answered only for runs live here.
  io.on(EVENT, (message: unknown, reply: unknown) => {
    if (typeof reply !== 'function') return;
    void answer(manager, local, message).then(reply as (answer: Answer) => void);
  });

  const forward = async (kind: CommandKind, payload: unknown): Promise<unknown> => {
    const answers = await new Promise<Answer[]>((resolve) => {
      // The adapter waits for every server it knows of (5 s at most); one that died answers
      // nothing, and is forgotten after HEARTBEAT_TIMEOUT_MS. The answers that came still count.
      io.serverSideEmit(EVENT, { kind, payload }, (_late: Error | null, got: Answer[]) =>
        resolve(Array.isArray(got) ? got : []),
      );
    });
    const owner = answers.find((a): a is Extract<Answer, { here: true }> => a?.here === true);
    if (owner === undefined) return NOT_LIVE;
    if (!owner.ok) throw new RunError(owner.status, owner.error);
    return owner.data;
  };

  /** Here when the run is live here; else its owner; else (ended, or gone) this server's answer from history. */
  const routed =
    <T>(kind: CommandKind, runId: string, payload: unknown, here: () => Promise<T>) =>
    async (): Promise<T> => {
      if (manager.isLive(runId)) return here();
      const data = await forward(kind, payload);
      return data === NOT_LIVE ? here() : (data as T);
    };

  const commands: RunCommands = {
    control: (runId, action) =>
      routed<RunSummary>('control', runId, { runId, action }, () => local.control(runId, action))(),
    setSpeed: (runId, speed) =>
      routed<RunSummary>('speed', runId, { runId, speed }, () => local.setSpeed(runId, speed))(),
    inject: (runId, fault, seenMs) =>
      routed<Fault>('inject', runId, { runId, fault, ...(seenMs === undefined ? {} : { seenMs }) }, () =>
        local.inject(runId, fault, seenMs),
      )(),
    snapshotJson: async (runId) => {
      const json = await routed<string>(
        'snapshot',
        runId,
        { runId },
        async () => manager.snapshotJson(runId).json,
      )();
      return new SerializedJson(json);
    },
  };

  log.info({ serverId, redis: redactedRedis(redisUrl) }, 'joined the cluster (EOLAB_REDIS_URL)');
  return {
    serverId,
    commands,
    redisStatus: async () => {
      const reachable = redis.status === 'ready';
      // The adapter counts the servers subscribed to the cluster's channel in Redis (PUBSUB
      // NUMSUB): a command that would wait for Redis while it is away, so it is not asked then.
      const servers = reachable ? await within(STATUS_MS, io.of('/').adapter.serverCount()) : null;
      return { url: redactedRedis(redisUrl), reachable, peers: servers === null ? null : servers - 1 };
    },
    close: async () => {
      redis.disconnect();
    },
  };
}

const NOT_LIVE = Symbol('not live on any other server');

/** How long /api/health waits for Redis to count the servers. */
const STATUS_MS = 1_000;

/** The promise's value, or null when it takes longer than `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Carries out a forwarded command when its run is live here; every payload is parsed again first. */
async function answer(manager: RunManager, local: RunCommands, message: unknown): Promise<Answer> {
  try {
    const { runId, act } = commandOf(message, local);
    if (!manager.isLive(runId)) return { here: false };
    return { here: true, ok: true, data: await act() };
  } catch (error) {
    const { status, message: text } = describeError(error);
    return { here: true, ok: false, status, error: text };
  }
}

function commandOf(message: unknown, local: RunCommands): { runId: string; act: () => Promise<unknown> } {
  const { kind, payload } = parseOr400(forwardedSchema, message);
  switch (kind) {
    case 'control': {
      const { runId, action } = parseOr400(controlSchema, payload);
      return { runId, act: () => local.control(runId, action) };
    }
    case 'speed': {
      const { runId, speed } = parseOr400(speedSchema, payload);
      return { runId, act: () => local.setSpeed(runId, speed) };
    }
    case 'inject': {
      const { runId, fault, seenMs } = parseOr400(injectSchema, payload);
      return { runId, act: () => local.inject(runId, fault, seenMs) };
    }
    case 'snapshot': {
      const { runId } = parseOr400(watchSchema, payload);
      return { runId, act: async () => (await local.snapshotJson(runId)).json };
    }
  }
}

function redactedRedis(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}
