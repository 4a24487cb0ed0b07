import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, removeDir, startServer, tempDir } from './harness';

let server: Harness | undefined;
let webDir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (webDir !== undefined) removeDir(webDir);
});

describe('the built dashboard', () => {
  it('is served statically, with client-side routes falling back to index.html and /api left alone', async () => {
    webDir = tempDir('eolab-web-');
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Exactly-Once Lab</title>');
    writeFileSync(join(webDir, 'assets', 'app.js'), 'console.log(1)');
    server = await startServer(undefined, { EOLAB_WEB_DIR: webDir });
    const http = server.app.http;
    for (const path of ['/', '/runs', '/runs/abc?x=1']) {
      const page = await request(http).get(path).expect(200);
      expect(page.text, path).toContain('<title>Exactly-Once Lab</title>');
    }
    await request(http).head('/runs').expect(200);
    const asset = await request(http).get('/assets/app.js').expect(200);
    expect(asset.headers['content-type']).toContain('javascript');
    const api = await request(http).get('/api/nope').expect(404);
    expect(api.body).toEqual({ error: 'no such API endpoint' });
    await request(http).post('/runs').send({}).expect(404);
  });

  it('compresses the bundle for a browser that accepts brotli or gzip, and not for one that does not', async () => {
    webDir = tempDir('eolab-web-');
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Exactly-Once Lab</title>');
    const bundle = `export const charts = [${'"checkpoint", '.repeat(20_000)}];`;
    writeFileSync(join(webDir, 'assets', 'index.js'), bundle);
    server = await startServer(undefined, { EOLAB_WEB_DIR: webDir });
    // A raw request: supertest would decode the body and hide the bytes on the wire.
    const sizeOf = (encoding: string) =>
      new Promise<{ encoding: string; bytes: number }>((resolve, reject) => {
        get(`${server!.url}/assets/index.js`, { headers: { 'accept-encoding': encoding } }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
          });
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'] ?? 'identity', bytes }));
        }).on('error', reject);
      });
    const br = await sizeOf('br, gzip');
    const gzip = await sizeOf('gzip');
    const plain = await sizeOf('identity');
    expect(br.encoding).toBe('br');
    expect(gzip.encoding).toBe('gzip');
    expect(plain).toEqual({ encoding: 'identity', bytes: bundle.length });
    expect(br.bytes).toBeLessThan(bundle.length / 10);
    expect(gzip.bytes).toBeLessThan(bundle.length / 10);
  });
});
