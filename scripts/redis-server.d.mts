import type { ChildProcess } from 'node:child_process';

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function startRedis(port?: number): Promise<RedisServer>;
