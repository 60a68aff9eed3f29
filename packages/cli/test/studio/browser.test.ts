/// <reference lib="dom" />
// The studio in a real headless chromium: the binary serves an LMDB env and a Redis store, the
// browser clicks databases → scopes → entries → value, sorts, filters, pages both ways, searches,
// deletes with confirmation, and what the pages show is checked against the store.
import { rmSync } from 'node:fs';
import { type RedisServer, startSingle } from '@scoped-lmdb/redis/local-servers';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbService, openRedisService, type ScopeRow, type StoreService } from '../../src/index.js';
import { type Studio, startStudio } from '../../src/studio/server.js';
import { buildScopesEnv } from '../support/fixtures.js';
import {
  ACME_EVENTS,
  ACME_USERS,
  BIG_DOC,
  buildStudioEnv,
  buildStudioRedis,
  EVIL_KEY,
  EVIL_SCOPE,
  EVIL_VALUE,
  launchBrowser,
  QUOTE_KEY,
  QUOTE_SCOPE,
  type RunningStudio,
  screenshot,
  startBinary,
  TENANTS,
  texts,
  userKey,
} from './support.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Runs `action` (a click, a submit) and waits until the studio has swapped in the next page's <main>. */
async function go(page: Page, action: () => Promise<unknown>): Promise<void> {
  await page.evaluate(() => document.getElementById('main')?.setAttribute('data-stale', ''));
  await action();
  await page.waitForSelector('#main:not([data-stale])');
}

/** Every scope row of `db` as the service lists it in `sort` order. */
async function allScopes(service: StoreService, db: string, sort: 'name' | 'entries' | 'bytes' = 'name'): Promise<ScopeRow[]> {
  const rows: ScopeRow[] = [];
  let after: string | undefined;
  do {
    const page = await service.scopes(db, { sort, limit: 1000, ...(after ? { after } : {}) });
    rows.push(...page.scopes);
    after = page.next;
  } while (after);
  return rows;
}

/** Opens the studio's URL (token once, then the cookie) and checks no injected script ran on any page. */
async function openStudio(context: BrowserContext, studio: RunningStudio): Promise<Page> {
  const page = await context.newPage();
  const problems: string[] = [];
  pageProblems.set(page, problems);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(studio.url);
  expect(page.url()).toBe(`${studio.origin}/`);
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
  return page;
}

/** The entries row whose key shows exactly `key`. */
function keyRow(page: Page, key: string) {
  return page.locator('#entries tbody tr').filter({ has: page.locator('td.key').getByText(key, { exact: true }) });
}

/** Script errors and console errors (a Content-Security-Policy violation is one) per page. */
const pageProblems = new WeakMap<Page, string[]>();

async function assertNothingInjected(page: Page): Promise<void> {
  expect(pageProblems.get(page) ?? []).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  // The page's only script is the studio's own file; no element came out of a key, value or name.
  expect(await page.evaluate(() => Array.from(document.querySelectorAll('script'), (s) => s.getAttribute('src')))).toEqual([
    '/static/studio.js',
  ]);
  expect(await page.locator('main img, main b, main i').count()).toBe(0);
}

describe('the studio on LMDB, read-only', () => {
  let envPath: string;
  let studio: RunningStudio;
  let service: StoreService;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    envPath = await buildStudioEnv();
    studio = await startBinary([envPath]);
    service = await openLmdbService(envPath);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await openStudio(context, studio);
  });

  afterAll(async () => {
    await context?.close();
    expect(await studio?.stop()).toBe(0);
    await service?.close();
    rmSync(envPath, { recursive: true, force: true });
  });

  it('lists the databases with kind, codecs and totals', async () => {
    expect(await page.locator('.mode').textContent()).toBe('read-only');
    const databases = await service.databases();
    expect(await texts(page, '#databases tbody .db-link')).toEqual(databases.map((d) => d.name));
    const users = page.locator('#databases tr[data-db="users"] td');
    expect(await users.allTextContents()).toEqual([
      'users',
      'types',
      'string',
      'msgpack',
      'stats, registry',
      String(databases.find((d) => d.name === 'users')?.totals?.entries.toLocaleString('en')),
      expect.stringMatching(/ kB$/),
    ]);
    expect(await page.locator('#databases tr[data-db="blobs"] td').nth(1).textContent()).toBe('rawBytes');
    await screenshot(page, 'databases');
  });

  it('shows the scopes of a database by name, with a chart of the largest by bytes', async () => {
    await go(page, () => page.click('#databases a.db-link:text-is("users")'));
    expect(new URL(page.url()).pathname).toBe('/scopes');
    const expected = await allScopes(service, 'users');
    expect(expected).toHaveLength(1 + 4 + TENANTS);
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(0, 100).map((r) => r.label));
    const bars = await texts(page, 'figure.chart g.bar > text:not(.value)');
    const bySize = await allScopes(service, 'users', 'bytes');
    expect(bars).toEqual(bySize.slice(0, 12).map((r) => r.label));
    await screenshot(page, 'scopes');
    await assertNothingInjected(page);
  });

  it('sorts by entries and by bytes, largest first', async () => {
    await go(page, () => page.click('#scopes th a[data-sort="entries"]'));
    const byEntries = await allScopes(service, 'users', 'entries');
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(byEntries.slice(0, 100).map((r) => r.label));
    const counts = (await texts(page, '#scopes tbody td.entries')).map((t) => Number(t.replace(/,/g, '')));
    expect(counts[0]).toBe(ACME_USERS);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(await page.locator('#scopes th[aria-sort="descending"]').textContent()).toContain('Entries');
    await go(page, () => page.click('#scopes th a[data-sort="bytes"]'));
    const byBytes = await allScopes(service, 'users', 'bytes');
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(byBytes.slice(0, 100).map((r) => r.label));
  });

  it('filters by name prefix', async () => {
    await go(page, () => page.click('#scopes th a[data-sort="name"]'));
    await page.fill('form.filter input[name="prefix"]', 'tenant-01');
    await go(page, () => page.click('form.filter button[type="submit"]'));
    expect(new URL(page.url()).searchParams.get('prefix')).toBe('tenant-01');
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(Array.from({ length: 10 }, (_, i) => `tenant-01${i}`));
    expect(await page.locator('.pager a').count()).toBe(0);
  });

  it('pages through the scopes with cursors, forward and back, without reloading', async () => {
    const expected = (await allScopes(service, 'users')).map((r) => r.label);
    await go(page, () => page.click('form.filter a:text-is("clear filter")'));
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(0, 100));
    await go(page, () => page.click('.pager a.page-next'));
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(100, 200));
    await go(page, () => page.click('.pager a.page-next'));
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(200));
    expect(await page.locator('.pager a.page-next').count()).toBe(0);
    await go(page, () => page.click('.pager a.page-prev'));
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(100, 200));
    await go(page, () => page.click('.pager a.page-prev'));
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(0, 100));
    expect(await page.locator('.pager a.page-prev').count()).toBe(0);
    // The browser's Back button follows the pages too.
    await go(page, () => page.goBack());
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(100, 200));
    await go(page, () => page.goForward());
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });

  it('shows names, keys and values with <script>, quotes and & as text', async () => {
    await page.fill('form.filter input[name="prefix"]', '<script');
    await go(page, () => page.click('form.filter button[type="submit"]'));
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual([EVIL_SCOPE]);
    await assertNothingInjected(page);
    await go(page, () => page.click(`#scopes a.scope-link`));
    expect(await page.locator('h1 .name').first().textContent()).toBe(EVIL_SCOPE);
    expect(await texts(page, '#entries td.key')).toEqual([EVIL_KEY, QUOTE_KEY].sort());
    const values = await texts(page, '#entries td.value');
    expect(values.find((v) => v.includes('</td><script>'))).toContain(EVIL_VALUE.html);
    await assertNothingInjected(page);
    await screenshot(page, 'injection');
    // The other scope, by a name with quotes and &.
    await page.goto(`${studio.origin}/entries?${new URLSearchParams({ db: 'users', scope: QUOTE_SCOPE })}`);
    expect(await page.locator('h1 .name').first().textContent()).toBe(QUOTE_SCOPE);
    expect(await page.locator('nav[aria-label="Breadcrumb"] li').last().textContent()).toBe(QUOTE_SCOPE);
    expect(await texts(page, '#entries td.key')).toEqual([EVIL_KEY, QUOTE_KEY].sort());
    await assertNothingInjected(page);
  });

  it("pages through a scope's entries forward and back", async () => {
    await page.goto(`${studio.origin}/scopes?db=users`);
    await go(page, () => page.click('#scopes a.scope-link:text-is("acme")'));
    const keys = Array.from({ length: ACME_USERS }, (_, i) => userKey(i));
    expect(await texts(page, '#entries td.key')).toEqual(keys.slice(0, 50));
    const first = await service.scan('users', 'acme', { limit: 1 });
    expect(await page.locator('#entries td.value').first().textContent()).toBe(first.entries[0]?.value.text);
    await screenshot(page, 'entries');
    await go(page, () => page.click('.pager a.page-next'));
    expect(await texts(page, '#entries td.key')).toEqual(keys.slice(50, 100));
    await go(page, () => page.click('.pager a.page-next'));
    expect(await texts(page, '#entries td.key')).toEqual(keys.slice(100));
    expect(await page.locator('.pager a.page-next').count()).toBe(0);
    await go(page, () => page.click('.pager a.page-prev'));
    expect(await texts(page, '#entries td.key')).toEqual(keys.slice(50, 100));
    await go(page, () => page.click('.pager a.page-prev'));
    expect(await texts(page, '#entries td.key')).toEqual(keys.slice(0, 50));
    expect(await page.locator('.pager a.page-prev').count()).toBe(0);
  });

  it('searches by key prefix and by key range', async () => {
    await page.fill('form.filter input[name="prefix"]', 'user-11');
    await go(page, () => page.click('form.filter button[type="submit"]'));
    expect(await texts(page, '#entries td.key')).toEqual(Array.from({ length: 10 }, (_, i) => `user-11${i}`));
    await page.goto(`${studio.origin}/entries?db=events&scope=acme`);
    expect(await page.locator('#entries td.key').count()).toBe(ACME_EVENTS);
    await page.fill('form.filter input[name="start"]', '[2026, 5]');
    await page.fill('form.filter input[name="end"]', '[2026, 10]');
    await go(page, () => page.click('form.filter button[type="submit"]'));
    expect(await texts(page, '#entries td.key')).toEqual([5, 6, 7, 8, 9].map((i) => `[ 2026, ${i} ]`));
    // A bound the key codec cannot read is reported on the page, as text.
    await page.goto(`${studio.origin}/entries?db=blobs&scope=acme&prefix=${encodeURIComponent('<zz>')}`);
    expect(await page.locator('p.error').textContent()).toContain('"<zz>" is not hex bytes');
    await assertNothingInjected(page);
    // Raw bytes are shown as hex.
    await page.goto(`${studio.origin}/entries?db=blobs&scope=acme`);
    expect(await texts(page, '#entries td.key')).toEqual(['010203']);
    expect(await texts(page, '#entries td.value')).toEqual(['cafe']);
  });

  it('opens a large JSON value in the viewer, pretty-printed and collapsible', async () => {
    await page.goto(`${studio.origin}/entries?db=docs&scope=acme`);
    await page.click('#entries a.value-link:text-is("big")');
    await page.waitForSelector('#viewer');
    expect(JSON.parse((await page.locator('#pretty').textContent()) as string)).toEqual(BIG_DOC);
    const root = page.locator('.json-tree > details');
    expect(await root.getAttribute('open')).not.toBeNull();
    expect(await page.locator('.json-tree > details > summary').textContent()).toBe('{ 3 keys }');
    expect(await page.locator('.json-tree > details > ul > li > details > summary').first().textContent()).toBe('"owners": [ 2 items ]');
    await screenshot(page, 'value');
    // Deeper levels start closed and open on a click.
    const deep = page.locator('.json-tree details details details').first();
    expect(await deep.getAttribute('open')).toBeNull();
    await deep.locator('> summary').click();
    expect(await deep.getAttribute('open')).not.toBeNull();
    await root.locator('> summary').click();
    expect(await root.getAttribute('open')).toBeNull();
    await root.locator('> summary').click();
    await page.click('details.pretty > summary');
    expect(await page.locator('details.pretty').getAttribute('open')).not.toBeNull();
    // The injected value's viewer: text only.
    await page.goBack();
    await page.click(`#entries a.value-link:text-is(${JSON.stringify(EVIL_KEY)})`);
    await page.waitForSelector('#viewer');
    expect(await page.locator('.key-text').textContent()).toBe(EVIL_KEY);
    expect(JSON.parse((await page.locator('#pretty').textContent()) as string)).toEqual(EVIL_VALUE);
    await assertNothingInjected(page);
  });

  it('offers no write buttons', async () => {
    await page.goto(`${studio.origin}/entries?db=users&scope=acme`);
    expect(await page.locator('button[data-action]').count()).toBe(0);
  });
});

describe('the studio on LMDB with --write', () => {
  let envPath: string;
  let studio: RunningStudio;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    envPath = await buildStudioEnv();
    studio = await startBinary([envPath, '--write']);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await openStudio(context, studio);
  });

  afterAll(async () => {
    await context?.close();
    expect(await studio?.stop()).toBe(0);
    rmSync(envPath, { recursive: true, force: true });
  });

  /** What the env holds now, read by a second (read-only) service. */
  async function readEnv<T>(read: (service: StoreService) => Promise<T>): Promise<T> {
    const service = await openLmdbService(envPath);
    try {
      return await read(service);
    } finally {
      await service.close();
    }
  }

  it('deletes a key after confirmation, and keeps it when the dialog is dismissed', async () => {
    expect(await page.locator('.mode').textContent()).toBe('read-write');
    await page.goto(`${studio.origin}/entries?db=users&scope=acme`);
    const row = keyRow(page, userKey(3));
    const questions: string[] = [];
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await row.locator('button[data-action="delete-key"]').click();
    await expect.poll(() => questions.length).toBe(1);
    expect(await row.count()).toBe(1);
    expect(await readEnv((s) => s.get('users', 'acme', userKey(3)))).toBeDefined();
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await row.locator('button[data-action="delete-key"]').click();
    await row.waitFor({ state: 'detached' });
    expect(questions[1]).toBe(`Delete the key ${userKey(3)} from scope acme in users?`);
    expect(await page.locator('#status').textContent()).toBe(`Deleted ${userKey(3)}.`);
    expect(await page.locator('#entries td.key').count()).toBe(49);
    expect(await readEnv((s) => s.get('users', 'acme', userKey(3)))).toBeUndefined();
    await screenshot(page, 'write');
  });

  it('deletes a key whose name is HTML, and clears and drops scopes', async () => {
    await page.goto(`${studio.origin}/entries?${new URLSearchParams({ db: 'users', scope: EVIL_SCOPE })}`);
    page.once('dialog', (dialog) => void dialog.accept());
    const row = keyRow(page, EVIL_KEY);
    await row.locator('button[data-action="delete-key"]').click();
    await row.waitFor({ state: 'detached' });
    expect(await readEnv((s) => s.get('users', EVIL_SCOPE, EVIL_KEY))).toBeUndefined();
    expect(await readEnv((s) => s.get('users', EVIL_SCOPE, QUOTE_KEY))).toBeDefined();

    await page.goto(`${studio.origin}/scopes?db=users`);
    const globex = page.locator('#scopes tr[data-scope-label="globex"]');
    page.once('dialog', (dialog) => void dialog.accept());
    await globex.locator('button[data-action="clear-scope"]').click();
    await expect.poll(() => globex.locator('td.entries').textContent()).toBe('0');
    expect((await readEnv((s) => s.scan('users', 'globex'))).entries).toEqual([]);

    const tenant = page.locator('#scopes tr[data-scope-label="tenant-000"]');
    page.once('dialog', (dialog) => void dialog.accept());
    await tenant.locator('button[data-action="drop-scope"]').click();
    await tenant.waitFor({ state: 'detached' });
    expect((await readEnv((s) => s.scopes(undefined, { prefix: 'tenant-000' }))).scopes).toEqual([]);
  });
});

describe('the studio on LMDB, a database without stats', () => {
  // 600 scopes whose counts do not follow their names: more keys than one step of the count, so a
  // studio that does not wait (countWaitMs 0) shows the count under way before the rows.
  const SCOPES = 600;
  const countOf = (i: number) => ((i * 7) % 11) + 1;
  let envPath: string;
  let service: StoreService;
  let studio: Studio;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    envPath = await buildScopesEnv('scoped-studio-plain-', { db: 'plain', scopes: SCOPES, nameOf: (i) => `p-${i}`, countOf });
    service = await openLmdbService(envPath, { write: true });
    studio = await startStudio(service, { countWaitMs: 0 });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await openStudio(context, studio as unknown as RunningStudio);
  });

  afterAll(async () => {
    await context?.close();
    await studio?.close();
    await service?.close();
    rmSync(envPath, { recursive: true, force: true });
  });

  it('shows the chart and the order by entries once counted, reloading itself meanwhile', async () => {
    const byEntries = () => allScopes(service, 'plain', 'entries');
    await page.goto(`${studio.origin}/scopes?db=plain`);
    // The rows by name need no count; the chart by entries does.
    expect(await page.locator('figure.chart p.counting').textContent()).toMatch(
      /^Counting the entries of each scope for the chart: [\d,]+ of [\d,]+ keys/,
    );
    expect(await page.locator('#scopes tbody tr').count()).toBe(100);
    await screenshot(page, 'counting');
    await page.locator('figure.chart g.bar').first().waitFor();
    expect(await texts(page, 'figure.chart g.bar > text:not(.value)')).toEqual((await byEntries()).slice(0, 12).map((r) => r.label));
    await go(page, () => page.click('#scopes th a[data-sort="entries"]'));
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual((await byEntries()).slice(0, 100).map((r) => r.label));

    // A write makes a new version: the counts made before it are shown, marked as from a moment
    // ago, while the order by entries is counted again; the page reloads itself until it is.
    const top = (await byEntries())[0]?.name as string;
    await service.clearScope(top);
    await page.goto(`${studio.origin}/scopes?db=plain&sort=entries`);
    expect(await page.locator('#main > p.counting.stale').textContent()).toMatch(/^These counts are from a moment ago/);
    expect((await texts(page, '#scopes tbody tr td:first-child'))[0]).toBe(top);
    await screenshot(page, 'stale');
    await page.locator('#main > p.counting.stale').waitFor({ state: 'detached' });
    const rows = await texts(page, '#scopes tbody tr td:first-child');
    expect(rows).not.toContain(top);
    expect(rows).toEqual((await byEntries()).slice(0, 100).map((r) => r.label));
    expect(await page.locator('p.counting').count()).toBe(0);
    await assertNothingInjected(page);
  });

  it('orders by bytes as by name, and says why', async () => {
    await go(page, () => page.click('#scopes th a[data-sort="bytes"]'));
    expect(await page.locator('#main p.hint').last().textContent()).toBe(
      'This database keeps no byte counts, so its order by bytes is the order by name.',
    );
    expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(
      (await allScopes(service, 'plain')).slice(0, 100).map((r) => r.label),
    );
  });
});

describe('the studio on Redis', () => {
  let server: RedisServer;
  let url: string;
  let service: StoreService;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await startSingle({ appendfsync: 'no' });
    await buildStudioRedis(server.port);
    url = `redis://127.0.0.1:${server.port}`;
    service = await openRedisService(url);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await context?.close();
    await service?.close();
    await server?.stop();
  });

  it('clicks through databases, scopes and entries, pages and searches, read-only', async () => {
    const studio = await startBinary(['--redis', url]);
    try {
      const page = await openStudio(context, studio);
      expect(await page.locator('.backend').textContent()).toBe('redis');
      expect((await texts(page, '#databases tbody .db-link')).sort()).toEqual(['docs', 'events', 'users']);
      await go(page, () => page.click('#databases a.db-link:text-is("users")'));
      const expected = (await allScopes(service, 'users')).map((r) => r.label);
      expect(expected).toHaveLength(1 + 4 + 130);
      expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(0, 100));
      // Redis keeps no byte counts: the chart is by entries.
      expect(await page.locator('figure.chart figcaption').textContent()).toContain('by entries');
      await go(page, () => page.click('.pager a.page-next'));
      expect(await texts(page, '#scopes tbody tr td:first-child')).toEqual(expected.slice(100));
      await go(page, () => page.click('.pager a.page-prev'));
      await go(page, () => page.click('#scopes th a[data-sort="entries"]'));
      expect((await texts(page, '#scopes tbody tr td:first-child'))[0]).toBe('acme');
      await go(page, () => page.click('#scopes a.scope-link:text-is("acme")'));
      const keys = Array.from({ length: ACME_USERS }, (_, i) => userKey(i));
      expect(await texts(page, '#entries td.key')).toEqual(keys.slice(0, 50));
      await go(page, () => page.click('.pager a.page-next'));
      expect(await texts(page, '#entries td.key')).toEqual(keys.slice(50, 100));
      await go(page, () => page.click('.pager a.page-prev'));
      expect(await texts(page, '#entries td.key')).toEqual(keys.slice(0, 50));
      await page.fill('form.filter input[name="start"]', userKey(10));
      await page.fill('form.filter input[name="end"]', userKey(13));
      await go(page, () => page.click('form.filter button[type="submit"]'));
      expect(await texts(page, '#entries td.key')).toEqual([userKey(10), userKey(11), userKey(12)]);
      await page.goto(`${studio.origin}/entries?db=docs&scope=acme`);
      await page.click('#entries a.value-link:text-is("big")');
      await page.waitForSelector('#viewer');
      expect(JSON.parse((await page.locator('#pretty').textContent()) as string)).toEqual(BIG_DOC);
      await page.goto(`${studio.origin}/entries?${new URLSearchParams({ db: 'users', scope: EVIL_SCOPE })}`);
      expect(await texts(page, '#entries td.key')).toEqual([EVIL_KEY, QUOTE_KEY].sort());
      await assertNothingInjected(page);
      expect(await page.locator('button[data-action]').count()).toBe(0);
      await page.close();
    } finally {
      expect(await studio.stop()).toBe(0);
    }
  });

  it('deletes a key with confirmation under --write', async () => {
    const studio = await startBinary(['--redis', url, '--write']);
    try {
      const page = await openStudio(context, studio);
      await page.goto(`${studio.origin}/entries?db=users&scope=globex`);
      expect(await texts(page, '#entries td.key')).toEqual(['bart', 'hank', 'marge']);
      page.once('dialog', (dialog) => void dialog.accept());
      const row = keyRow(page, 'hank');
      await row.locator('button[data-action="delete-key"]').click();
      await row.waitFor({ state: 'detached' });
      expect(await texts(page, '#entries td.key')).toEqual(['bart', 'marge']);
      expect(await service.get('users', 'globex', 'hank')).toBeUndefined();
      await page.close();
    } finally {
      expect(await studio.stop()).toBe(0);
    }
  });
});
