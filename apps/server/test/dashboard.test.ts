import { mkdirSync, writeFileSync } from 'node:fs';
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
});
