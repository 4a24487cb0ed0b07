import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { looksLikeAsset } from '../src/app';
import { cookieValue, sameOriginPath } from '../src/http/access';
import { WindowCounter } from '../src/http/transport-limits';
import { type Client, type Harness, ok, startServer, tempDir } from './harness';

/** Issue 24's smaller holes: a cookie that crashed the process, redirects, assets, CSP, budgets. */

const TOKEN = 'a-long-enough-test-token';
let server: Harness | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A socket.io connection attempt: 'connected' or the refusal's message. */
function tryConnect(url: string, headers: Record<string, string>, auth?: { token: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: headers,
      ...(auth ? { auth } : {}),
    });
    socket.once('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.once('connect_error', (error) => {
      socket.disconnect();
      resolve(error.message);
    });
  });
}

describe('cookies and handshakes parsed defensively', () => {
  it('a token cookie that is not URI-encoded (%) is refused with 401 over REST and socket; the process lives on', async () => {
    server = await startServer(undefined, { EOLAB_TOKEN: TOKEN });
    const port = new URL(server.url).port;
    const cookie = `eolab_token_${port}=%`;
    for (let i = 0; i < 3; i++) {
      expect(await tryConnect(server.url, { cookie })).toContain('token');
    }
    const rest = await request(server.app.http).get('/api/runs').set('cookie', cookie).expect(401);
    expect(rest.body.error).toContain('token');
    // Still answering, with the right token.
    expect(await tryConnect(server.url, {}, { token: TOKEN })).toBe('connected');
    await request(server.app.http).get('/api/health').set('authorization', `Bearer ${TOKEN}`).expect(200);
  });

  it('cookie values decode safely', () => {
    expect(cookieValue('a=%; b=%E0%A4%A', 'a')).toBeUndefined();
    expect(cookieValue('a=%; b=%E0%A4%A', 'b')).toBeUndefined();
    expect(cookieValue('x=1; a=hello%20world', 'a')).toBe('hello world');
  });
});

describe('wrong tokens', () => {
  it('an address that keeps guessing is refused unread (429), right token included, over REST and socket', async () => {
    server = await startServer(undefined, { EOLAB_TOKEN: TOKEN, EOLAB_WRONG_TOKENS_PER_MINUTE: '5' });
    const http = server.app.http;
    for (let i = 0; i < 5; i++)
      await request(http).get('/api/runs').set('authorization', `Bearer guess-${i}-xxxxxxxxxxxx`).expect(401);
    const locked = await request(http).get('/api/runs').set('authorization', `Bearer ${TOKEN}`).expect(429);
    expect(locked.body.error).toContain('too many wrong tokens');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await tryConnect(server.url, {}, { token: TOKEN })).not.toBe('connected');
  });
});

describe('the token redirect keeps to this server', () => {
  it('a path that normalises to //host is redirected to a path on this server', async () => {
    server = await startServer(undefined, { EOLAB_TOKEN: TOKEN });
    const res = await request(server.app.http).get(`/.//evil.example/?token=${TOKEN}`).expect(303);
    expect(res.headers.location).toBe('/evil.example/');
    // Backslashes read as slashes: whatever the parser makes of it, one leading slash, this server.
    expect(sameOriginPath('/\\\\evil.example/x?token=1&a=2')).toMatch(/^\/[^/\\]/);
    expect(sameOriginPath('/runs/abc?token=1')).toBe('/runs/abc');
  });
});

describe('the dashboard', () => {
  function withDashboard(): Promise<Harness> {
    const dataDir = tempDir('eolab-server-');
    const web = join(dataDir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>lab</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
    return startServer(dataDir, { EOLAB_WEB_DIR: web });
  }

  it('a missing asset is a 404; client-side routes get the page', async () => {
    server = await withDashboard();
    const http = server.app.http;
    await request(http).get('/assets/app.js').expect(200);
    await request(http).get('/assets/gone-1234.js').expect(404);
    await request(http).get('/favicon.ico').expect(404);
    const page = await request(http).get('/runs/r-123').expect(200);
    expect(page.text).toContain('<title>lab</title>');
    expect(looksLikeAsset('/compare')).toBe(false);
    expect(looksLikeAsset('/robots.txt')).toBe(true);
  });

  it("CSP's connect-src names the page's own socket, not any WebSocket host", async () => {
    server = await withDashboard();
    const res = await request(server.app.http).get('/').expect(200);
    const host = new URL(server.url).host;
    const connectSrc = /connect-src ([^;]*)/.exec(res.headers['content-security-policy'] as string)![1]!;
    expect(connectSrc.split(' ').sort()).toEqual(["'self'", `ws://${host}`, `wss://${host}`].sort());
    // A Host that would write into the policy adds nothing.
    const odd = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        `${server!.url}/api/health`,
        { headers: { host: 'localhost; script-src *' } },
        (r) => {
          r.resume();
          resolve(String(r.headers['content-security-policy'] ?? ''));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(odd).not.toContain('script-src *');
  });
});

describe('socket budgets', () => {
  it('events no handler listens to count against the command budget: a socket flooding them is dropped', async () => {
    server = await startServer(undefined, { EOLAB_SOCKET_COMMANDS_PER_SECOND: '20' });
    const socket: Client = await server.client();
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    let sent = 0;
    const emit = socket.emit as (event: string, payload: unknown) => void;
    // 20 per second, dropped past ten times that: a few hundred unknown events are enough.
    const flood = setInterval(() => {
      for (let i = 0; i < 100 && socket.connected; i++) {
        emit.call(socket, 'no-such-event', { junk: 'x'.repeat(100) });
        sent++;
      }
    }, 5);
    try {
      expect(await dropped).toBe('io server disconnect');
    } finally {
      clearInterval(flood);
    }
    expect(sent).toBeLessThan(5_000);
    // Another socket is served as before.
    const other = await server.client();
    expect(await ok(other, 'run:create', { preset: 'seed', start: false })).toHaveProperty('runId');
  });

  it('a socket sending more than 1 MiB in a second is dropped before its flood is parsed', async () => {
    server = await startServer();
    const socket: Client = await server.client();
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    const emit = socket.emit as (event: string, payload: unknown) => void;
    // 20 messages of 60 KB: a dashboard sends a few KB at most.
    for (let i = 0; i < 20; i++) emit.call(socket, 'no-such-event', 'x'.repeat(60_000));
    expect(await dropped).toBe('io server disconnect');
  });

  it('a known command past the budget is answered with the reason', async () => {
    server = await startServer(undefined, { EOLAB_SOCKET_COMMANDS_PER_SECOND: '3' });
    const socket = await server.client();
    const answers = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<{ ok: boolean; error?: string }>((resolve) =>
            (socket.emit as (e: string, p: unknown, a: (r: { ok: boolean }) => void) => void)(
              'run:unwatch',
              { runId: 'r1' },
              resolve,
            ),
          ),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(3);
    expect(answers.find((a) => !a.ok)?.error).toContain('too many commands');
  });
});

describe('WindowCounter', () => {
  it('counts per key and forgets everything when its window ends', () => {
    let now = 0;
    const counter = new WindowCounter(2, 1000, () => now);
    expect([counter.take('a'), counter.take('a'), counter.take('a'), counter.take('b')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(counter.exhausted('a')).toBe(true);
    now = 1000;
    expect(counter.exhausted('a')).toBe(false);
    expect(counter.take('a')).toBe(true);
  });
});
