// The studio's guards, over plain HTTP: the access token, the loopback-only bind, the Host check,
// read-only refusals of every write route, the method, Origin and content-type checks of writes,
// the security headers; and the one escaping function every template uses.

import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbService, type StoreService } from '../../src/index.js';
import { escapeHtml, html } from '../../src/studio/html.js';
import { type Studio, startStudio } from '../../src/studio/server.js';
import { cli, digest } from '../support/run.js';
import { buildStudioEnv, EVIL_KEY, userKey } from './support.js';

const WRITE_ROUTES = ['/api/delete-key', '/api/clear-scope', '/api/drop-scope'];
const PAGES = [
  '/',
  '/scopes?db=users',
  '/entries?db=users&scope=acme',
  `/value?db=users&scope=acme&key=${Buffer.from(userKey(0)).toString('hex')}`,
  '/static/studio.js',
  '/static/studio.css',
];

let envPath: string;
let readOnly: StoreService;
let viewer: Studio;
let other: Studio;

beforeAll(async () => {
  envPath = await buildStudioEnv();
  readOnly = await openLmdbService(envPath);
  viewer = await startStudio(readOnly);
  other = await startStudio(readOnly);
});

afterAll(async () => {
  await viewer?.close();
  await other?.close();
  await readOnly?.close();
  rmSync(envPath, { recursive: true, force: true });
});

/** A request with headers fetch() will not send as given (Host). */
function raw(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode as number, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const withToken = (studio: Studio, extra: Record<string, string> = {}) => ({ 'x-studio-token': studio.token, ...extra });

describe('the access token', () => {
  it('answers 401 to every page and route without it', async () => {
    for (const path of [...PAGES, ...WRITE_ROUTES]) {
      const response = await fetch(`${viewer.origin}${path}`, { method: path.startsWith('/api/') ? 'POST' : 'GET', redirect: 'manual' });
      expect(response.status, path).toBe(401);
      expect(await response.text()).not.toContain('acme');
    }
  });

  it('answers 401 to another instance’s token, in the URL, the header or the cookie', async () => {
    expect(other.token).not.toBe(viewer.token);
    expect(other.cookieName).not.toBe(viewer.cookieName);
    const responses = await Promise.all([
      fetch(`${viewer.origin}/?token=${other.token}`, { redirect: 'manual' }),
      fetch(`${viewer.origin}/`, { headers: { 'x-studio-token': other.token } }),
      fetch(`${viewer.origin}/`, { headers: { cookie: `${other.cookieName}=${other.token}` } }),
      fetch(`${viewer.origin}/`, { headers: { cookie: `${viewer.cookieName}=${other.token}` } }),
      fetch(`${viewer.origin}/`, { headers: { cookie: `${viewer.cookieName}=${viewer.token.slice(0, -1)}` } }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
  });

  it('trades the token in the URL for an HttpOnly, SameSite=Strict cookie and takes it out of the address', async () => {
    const first = await fetch(`${viewer.origin}/scopes?db=users&token=${viewer.token}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/scopes?db=users');
    const setCookie = first.headers.get('set-cookie') as string;
    expect(setCookie).toBe(`${viewer.cookieName}=${viewer.token}; HttpOnly; SameSite=Strict; Path=/`);
    const page = await fetch(`${viewer.origin}/scopes?db=users`, { headers: { cookie: setCookie.split(';')[0] as string } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('>acme</a>');
    // The URL startStudio gives is that first address.
    expect(viewer.url).toBe(`${viewer.origin}/?token=${viewer.token}`);
  });

  it('is 32 random characters, different for every instance', async () => {
    expect(viewer.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const tokens = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const studio = await startStudio(readOnly);
      tokens.add(studio.token);
      await studio.close();
    }
    expect(tokens.size).toBe(5);
  });

  it('refuses a short token', async () => {
    await expect(startStudio(readOnly, { token: 'short' })).rejects.toMatchObject({ name: 'ScopedDbError', code: 'INVALID_INPUT' });
  });

  it('refuses a countWaitMs that is not a number of milliseconds, before it listens', async () => {
    for (const countWaitMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(startStudio(readOnly, { countWaitMs })).rejects.toMatchObject({
        name: 'ScopedDbError',
        code: 'INVALID_INPUT',
        message: expect.stringContaining('countWaitMs'),
      });
    }
  });
});

describe('where it listens', () => {
  it('refuses every host but 127.0.0.1 (and localhost)', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '::1']) {
      await expect(startStudio(readOnly, { host })).rejects.toMatchObject({
        name: 'ScopedDbError',
        code: 'INVALID_INPUT',
        message: expect.stringContaining(`refusing to listen on ${JSON.stringify(host)}`),
      });
    }
    const local = await startStudio(readOnly, { host: 'localhost' });
    expect(local.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await local.close();
  });

  it('the binary refuses --host 0.0.0.0 before it opens the store', async () => {
    const run = await cli(['studio', envPath, '--host', '0.0.0.0', '--port', '0']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('refusing to listen on "0.0.0.0"');
    expect(run.stdout).toBe('');
  });

  it('answers 403 to a Host that is not its own (DNS rebinding)', async () => {
    const foreign = await raw(viewer.port, '/', withToken(viewer, { host: `evil.example:${viewer.port}` }));
    expect(foreign.status).toBe(403);
    const own = await raw(viewer.port, '/', withToken(viewer, { host: `localhost:${viewer.port}` }));
    expect(own.status).toBe(200);
  });
});

describe('a read-only studio', () => {
  it('refuses every write route with 403, whatever the method, and changes nothing', async () => {
    const before = digest(envPath);
    const bodies: Record<string, unknown> = {
      '/api/delete-key': { db: 'users', scope: 'acme', key: Buffer.from(userKey(0)).toString('hex') },
      '/api/clear-scope': { db: 'users', scope: 'acme' },
      '/api/drop-scope': { scope: 'acme' },
    };
    for (const path of WRITE_ROUTES) {
      for (const method of ['POST', 'GET', 'PUT', 'DELETE']) {
        const response = await fetch(`${viewer.origin}${path}`, {
          method,
          headers: withToken(viewer, { origin: viewer.origin, 'content-type': 'application/json' }),
          ...(method === 'GET' ? {} : { body: JSON.stringify(bodies[path]) }),
        });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(await response.json()).toMatchObject({ error: expect.stringContaining('read-only') });
      }
    }
    expect(digest(envPath)).toBe(before);
    expect((await readOnly.scan('users', 'acme', { limit: 1 })).entries[0]?.key.text).toBe(userKey(0));
  });

  it('offers no write buttons and says read-only', async () => {
    const page = await (await fetch(`${viewer.origin}/entries?db=users&scope=acme`, { headers: withToken(viewer) })).text();
    expect(page).toContain('read-only');
    expect(page).not.toContain('data-action');
  });
});

describe('a studio with --write', () => {
  let writable: StoreService;
  let writer: Studio;
  let writePath: string;

  beforeAll(async () => {
    writePath = await buildStudioEnv();
    writable = await openLmdbService(writePath, { write: true });
    writer = await startStudio(writable);
  });

  afterAll(async () => {
    await writer?.close();
    await writable?.close();
    rmSync(writePath, { recursive: true, force: true });
  });

  const deleteBody = (key: string) => JSON.stringify({ db: 'users', scope: 'acme', key: Buffer.from(key).toString('hex') });

  it('takes writes by POST only', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${writer.origin}/api/delete-key`, {
        method,
        headers: withToken(writer, { origin: writer.origin, 'content-type': 'application/json' }),
        ...(method === 'GET' ? {} : { body: deleteBody(userKey(1)) }),
      });
      expect(response.status, method).toBe(405);
    }
    expect(await writable.get('users', 'acme', userKey(1))).toBeDefined();
  });

  it('takes writes only from its own origin, as JSON', async () => {
    const attempts = [
      { headers: withToken(writer, { 'content-type': 'application/json' }), status: 403 },
      { headers: withToken(writer, { origin: 'http://evil.example', 'content-type': 'application/json' }), status: 403 },
      { headers: withToken(writer, { origin: other.origin, 'content-type': 'application/json' }), status: 403 },
      { headers: withToken(writer, { origin: writer.origin, 'content-type': 'text/plain' }), status: 415 },
      { headers: withToken(writer, { origin: writer.origin, 'content-type': 'application/x-www-form-urlencoded' }), status: 415 },
    ];
    for (const attempt of attempts) {
      const response = await fetch(`${writer.origin}/api/delete-key`, {
        method: 'POST',
        headers: attempt.headers,
        body: deleteBody(userKey(1)),
      });
      expect(response.status).toBe(attempt.status);
    }
    expect(await writable.get('users', 'acme', userKey(1))).toBeDefined();
    const ok = await fetch(`${writer.origin}/api/delete-key`, {
      method: 'POST',
      headers: withToken(writer, { origin: writer.origin, 'content-type': 'application/json' }),
      body: deleteBody(userKey(1)),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ deleted: true });
    expect(await writable.get('users', 'acme', userKey(1))).toBeUndefined();
  });

  it('answers bad bodies and bad names with 400 and the reason', async () => {
    const post = (path: string, body: string) =>
      fetch(`${writer.origin}${path}`, {
        method: 'POST',
        headers: withToken(writer, { origin: writer.origin, 'content-type': 'application/json' }),
        body,
      });
    const notJson = await post('/api/delete-key', '{nope');
    expect(notJson.status).toBe(400);
    const noKey = await post('/api/delete-key', JSON.stringify({ db: 'users', scope: 'acme' }));
    expect(await noKey.json()).toMatchObject({ error: 'the request needs "key" as a string' });
    const unknownDb = await post('/api/clear-scope', JSON.stringify({ db: 'nope', scope: 'acme' }));
    expect(unknownDb.status).toBe(400);
    expect(await unknownDb.json()).toMatchObject({ code: 'INVALID_INPUT', error: expect.stringContaining('"nope"') });
    expect((await writable.scan('users', 'acme', { limit: 1000 })).entries.length).toBeGreaterThan(100);
  });
});

describe('what the pages carry', () => {
  it('a Content-Security-Policy without inline script or style, and no caching', async () => {
    for (const path of PAGES) {
      const response = await fetch(`${viewer.origin}${path}`, { headers: withToken(viewer) });
      expect(response.status, path).toBe(200);
      const csp = response.headers.get('content-security-policy') as string;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('no inline script, handler or style in any page', async () => {
    for (const path of PAGES.filter((p) => !p.startsWith('/static/'))) {
      const page = await (await fetch(`${viewer.origin}${path}`, { headers: withToken(viewer) })).text();
      expect(page.match(/<script\b[^>]*>/g)).toEqual(['<script src="/static/studio.js" defer>']);
      expect(page).not.toMatch(/\son[a-z]+=/i);
      expect(page).not.toMatch(/\sstyle=/i);
    }
  });

  it('keys as text in the entries page source', async () => {
    const page = await (await fetch(`${viewer.origin}/entries?db=docs&scope=acme`, { headers: withToken(viewer) })).text();
    expect(page).toContain(escapeHtml(EVIL_KEY));
    expect(page).not.toContain(EVIL_KEY);
  });

  it('404 for an unknown page or database, 400 for a bad key', async () => {
    const statuses = await Promise.all(
      ['/nope', '/scopes?db=nope', '/value?db=users&scope=acme&key=zz', '/scopes'].map(
        async (path) => (await fetch(`${viewer.origin}${path}`, { headers: withToken(viewer) })).status,
      ),
    );
    expect(statuses).toEqual([404, 404, 400, 400]);
  });
});

describe('escapeHtml and html', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('escapes every value put into a template, but not nested templates', () => {
    const name = '<script>"&';
    const inner = html`<b>${name}</b>`;
    expect(html`<p title="${name}">${inner}${[name, 1]}${null}${undefined}${false}</p>`.markup).toBe(
      '<p title="&lt;script&gt;&quot;&amp;">' + '<b>&lt;script&gt;&quot;&amp;</b>' + '&lt;script&gt;&quot;&amp;1</p>',
    );
  });
});
