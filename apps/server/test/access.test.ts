import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { type Client, command, type Harness, ok, startServer } from './harness';

let server: Harness | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Resolves with the error message when the socket is refused, or 'connected'. */
async function tryConnect(h: Harness, options: Parameters<Harness['client']>[0]): Promise<string> {
  try {
    const socket: Client = await h.client(options);
    socket.disconnect();
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('origins', () => {
  it('a page from another origin cannot open a socket; the dashboard’s own origin and the allow-list can', async () => {
    server = await startServer(undefined, { EOLAB_ALLOWED_ORIGINS: 'http://localhost:5173' });
    const own = new URL(server.url).origin;
    expect(await tryConnect(server, { extraHeaders: { origin: 'http://evil.example' } })).not.toBe(
      'connected',
    );
    expect(await tryConnect(server, { extraHeaders: { origin: 'null' } })).not.toBe('connected');
    expect(await tryConnect(server, { extraHeaders: { origin: own } })).toBe('connected');
    expect(await tryConnect(server, { extraHeaders: { origin: 'http://localhost:5173' } })).toBe('connected');
  });

  it('REST refuses cross-origin writes and hosts that are not loopback (DNS rebinding)', async () => {
    server = await startServer();
    const http = server.app.http;
    const evil = await request(http)
      .post('/api/runs')
      .set('origin', 'http://evil.example')
      .send({ preset: 'seed' })
      .expect(403);
    expect(evil.body.error).toBe('origin: requests from http://evil.example are not allowed');
    const rebound = await request(http).get('/api/runs').set('host', 'evil.example:3000').expect(403);
    expect(rebound.body.error).toContain("not 'evil.example:3000'");
    await request(http)
      .post('/api/runs')
      .set('origin', server.url)
      .send({ preset: 'seed', start: false })
      .expect(201);
    expect((await request(http).get('/api/runs').expect(200)).body.total).toBe(1);
  });
});

describe('headers over plain HTTP', () => {
  it('no upgrade-insecure-requests, no HSTS, no COOP (browsers refuse it from a plain-HTTP network address)', async () => {
    server = await startServer();
    const res = await request(server.app.http).get('/api/health').expect(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('the token', () => {
  const token = 'a-token-of-twenty-chars';

  it('bound beyond loopback, a token is generated when none is given', () => {
    const config = loadConfig({ HOST: '0.0.0.0' });
    expect(config.access.token).toMatch(/^[\w-]{24}$/);
    expect(config.access.tokenGenerated).toBe(true);
    expect(loadConfig({}).access.token).toBeNull();
  });

  it('is required on REST, pages and sockets; ?token= in the address sets a cookie the dashboard then uses', async () => {
    // HOST 0.0.0.0 in the configuration is what makes the token mandatory; the test still listens on loopback.
    server = await startServer(undefined, { HOST: '0.0.0.0', EOLAB_TOKEN: token });
    const http = server.app.http;
    const refused = await request(http).get('/api/runs').expect(401);
    expect(refused.body.error).toContain('token');
    await request(http).get('/api/runs').set('authorization', 'Bearer wrong-token-of-twenty').expect(401);
    await request(http).get('/api/runs').set('authorization', `Bearer ${token}`).expect(200);
    const page = await request(http).get('/runs').expect(401);
    expect(page.text).toContain('?token=');

    const opened = await request(http).get(`/runs?run=abc&token=${token}`).expect(303);
    expect(opened.headers.location).toBe('/runs?run=abc');
    const cookie = opened.headers['set-cookie']![0]!.split(';')[0]!;
    expect(opened.headers['set-cookie']![0]).toContain('HttpOnly');
    expect(opened.headers['set-cookie']![0]).toContain('SameSite=Strict');
    await request(http).get('/api/runs').set('cookie', cookie).expect(200);

    expect(await tryConnect(server, {})).toContain('token');
    expect(await tryConnect(server, { auth: { token: 'wrong-token-of-twenty' } })).toContain('token');
    expect(await tryConnect(server, { extraHeaders: { cookie } })).toBe('connected');
    const socket = await server.client({ auth: { token } });
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', { preset: 'seed', start: false });
    expect(await command(socket, 'run:watch', { runId })).toMatchObject({ ok: true });
  });
});
