// Listing many scopes: pages, in every order, add up to exactly the whole listing, each scope once.
import { rmSync } from 'node:fs';
import { Scope } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbService, type ScopeRow, type ScopeSort, type StoreService } from '../src/index.js';
import { buildScopesEnv } from './support/fixtures.js';

const SCOPES = 3_000;
let path: string;
let service: StoreService;

beforeAll(async () => {
  path = await buildScopesEnv('scoped-cli-many-', {
    db: 'items',
    stats: true,
    scopes: SCOPES,
    nameOf: (i) => `tenant-${i}`,
    countOf: (i) => (i % 7) + 1,
    valueAt: (i) => 'x'.repeat(i % 13),
  });
  service = await openLmdbService(path);
}, 60_000);

afterAll(async () => {
  await service?.close();
  rmSync(path, { recursive: true, force: true });
});

async function everyPage(sort: ScopeSort, limit: number, db?: string): Promise<ScopeRow[]> {
  const rows: ScopeRow[] = [];
  let after: string | undefined;
  do {
    const page = await service.scopes(db, { sort, limit, ...(after ? { after } : {}) });
    expect(page.scopes.length).toBeLessThanOrEqual(limit);
    rows.push(...page.scopes);
    after = page.next;
  } while (after);
  return rows;
}

describe(`${SCOPES} scopes`, () => {
  it('by name: pages concatenate to the sorted names', async () => {
    const rows = await everyPage('name', 250);
    const names = rows.map((r) => r.name as string);
    expect(names).toHaveLength(SCOPES);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(SCOPES);
  });

  it('by entries and by bytes: largest first, each scope once', async () => {
    for (const sort of ['entries', 'bytes'] as const) {
      const rows = await everyPage(sort, 400);
      expect(rows).toHaveLength(SCOPES);
      expect(new Set(rows.map((r) => r.name)).size).toBe(SCOPES);
      const counts = rows.map((r) => (sort === 'entries' ? r.entries : (r.bytes as number)));
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    }
    const [top] = (await service.scopes(undefined, { sort: 'entries', limit: 1 })).scopes;
    expect(top?.entries).toBe(7);
  });

  it('by counts within one stats-keeping database (its stats records only): the same pages, ties by name', async () => {
    for (const sort of ['entries', 'bytes'] as const) {
      const whole = await everyPage(sort, SCOPES);
      for (const limit of [97, 400]) expect(await everyPage(sort, limit, 'items')).toEqual(whole);
      expect((await service.scopes('items', { sort, limit: 1 })).scopes).toEqual(whole.slice(0, 1));
      const names = whole.filter((r) => r.entries === 7 && r.bytes === whole[0]?.bytes).map((r) => r.name as string);
      expect(names).toEqual([...names].sort());
    }
  });

  it('by name, the same pages from the name index and, for a v1 registry (id records only), from one pass', async () => {
    const fromIndex = await everyPage('name', 333);
    const prefixed = (await service.scopes(undefined, { prefix: 'tenant-12', limit: 5 })).scopes.map((r) => r.name);
    await service.close();
    // A v1 registry has no name -> id records: take some away (FF×8 'n' ‖ name), and the index is incomplete.
    const env = open({ path, maxDbs: 10 });
    const table = env.openDB({ name: '__global_scope_metadata', keyEncoding: 'binary', encoding: 'binary' });
    env.transactionSync(() => {
      for (let i = 0; i < SCOPES; i += 10) table.removeSync(Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from(`n${'tenant-'}${i}`)]));
    });
    await env.close();
    service = await openLmdbService(path);
    expect((await everyPage('name', 333)).map((r) => r.name)).toEqual(fromIndex.map((r) => r.name));
    expect((await service.scopes(undefined, { prefix: 'tenant-12', limit: 5 })).scopes.map((r) => r.name)).toEqual(prefixed);
    expect(prefixed).toEqual(['tenant-12', 'tenant-120', 'tenant-1200', 'tenant-1201', 'tenant-1202']);
  });
  it('by entries and bytes, read from the stats records: each row counts what the scope holds, a dropped scope is gone', async () => {
    const rows = await everyPage('bytes', 1_000);
    for (const row of rows.filter((_, i) => i % 97 === 0)) {
      const stats = await service.stats(row.name as string);
      expect([row.entries, row.bytes]).toEqual([stats.entries, stats.bytes]);
    }
    await service.close();
    const env = open({ path, maxDbs: 10 });
    const registry = GlobalScopeRegistry.open(env);
    registry.dropScope('tenant-6'); // 7 entries, among the largest; its data waits for reclaim
    await env.close();
    service = await openLmdbService(path);
    const after = await everyPage('entries', 1_000);
    expect(after).toHaveLength(SCOPES - 1);
    expect(after.map((r) => r.name)).not.toContain('tenant-6');
    expect(after[0]?.entries).toBe(7);
  });
  it('a count-ordered page is kept while the env is unchanged, and read again after a commit', async () => {
    await service.close();
    service = await openLmdbService(path, { write: true });
    const first = (await service.scopes(undefined, { sort: 'entries', limit: 3 })).scopes;
    expect((await service.scopes(undefined, { sort: 'entries', limit: 3 })).scopes).toEqual(first);
    const top = first[0]?.name as string;
    expect(await service.clearScope(top)).toBe(7);
    const after = (await service.scopes(undefined, { sort: 'entries', limit: 3 })).scopes;
    expect(after.map((r) => r.name)).not.toContain(top);
    expect((await service.scopes(undefined, { sort: 'entries', limit: SCOPES })).scopes.find((r) => r.name === top)?.entries).toBe(0);
    await service.close();
    service = await openLmdbService(path);
  });
});

describe('one stats-keeping database where most scopes hold the same count', () => {
  it('pages by counts match the one-pass listing, ties by name, and a dropped scope is not listed', async () => {
    // 500 scopes of three entries (one group holding most ids), 100 of one to six.
    const dir = await buildScopesEnv('scoped-cli-ties-', {
      db: 'items',
      stats: true,
      scopes: 600,
      nameOf: (i) => `t-${(i * 7919) % 600}`,
      countOf: (i) => (i < 500 ? 3 : 1 + (i % 6)),
      afterWrites: (_env, registry) => registry.dropScope('t-5'), // its data waits for reclaim: not listed
    });
    try {
      const tied = await openLmdbService(dir);
      try {
        const pages = async (db: string | undefined, sort: ScopeSort, limit: number, prefix?: string) => {
          const rows: ScopeRow[] = [];
          let after: string | undefined;
          do {
            const page = await tied.scopes(db, { sort, limit, ...(prefix ? { prefix } : {}), ...(after ? { after } : {}) });
            rows.push(...page.scopes);
            after = page.next;
          } while (after);
          return rows;
        };
        for (const sort of ['entries', 'bytes'] as const) {
          const whole = await pages(undefined, sort, 1_000);
          expect(whole).toHaveLength(599);
          expect(whole.map((r) => r.name)).not.toContain('t-5');
          for (const limit of [1, 7, 250]) expect(await pages('items', sort, limit)).toEqual(whole);
          const threes = whole.filter((r) => r.entries === 3).map((r) => r.name as string);
          expect(threes.length).toBeGreaterThan(450);
          expect(threes).toEqual([...threes].sort());
          // A name prefix: the same rows as the whole listing's that have it, from every page size.
          for (const prefix of ['t-1', 't-59', 't-5']) {
            const having = whole.filter((r) => (r.name as string).startsWith(prefix));
            expect(having.length).toBeGreaterThan(0);
            for (const limit of [1, 7, 250]) expect(await pages('items', sort, limit, prefix)).toEqual(having);
          }
        }
      } finally {
        await tied.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a database without stats: each scope counted once per env version', () => {
  const NAMES = 1_500;
  // Counts that do not follow the names, one big scope (past the walk's seek), ties by name.
  const countOf = (i: number) => (i === 42 ? 700 : ((i * 7) % 13) + 1);
  let dir: string;
  let plain: StoreService;
  const model = () =>
    Array.from({ length: NAMES }, (_, i) => ({ name: `s-${i}`, entries: countOf(i) })).sort(
      (a, b) => b.entries - a.entries || (a.name < b.name ? -1 : 1),
    );
  const pages = async (sort: ScopeSort, limit: number, prefix?: string) => {
    const rows: ScopeRow[] = [];
    let after: string | undefined;
    do {
      const page = await plain.scopes('plain', { sort, limit, ...(prefix ? { prefix } : {}), ...(after ? { after } : {}) });
      expect(page.counting).toBeUndefined();
      rows.push(...page.scopes);
      after = page.next;
    } while (after);
    return rows;
  };
  /** Asks with `waitMs: 0` until the count is made (it goes on between the calls). */
  const whenCounted = async () => {
    for (;;) {
      const page = await plain.scopes('plain', { sort: 'entries', limit: 1, waitMs: 0 });
      if (!page.counting) return page;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  beforeAll(async () => {
    dir = await buildScopesEnv('scoped-cli-census-', { db: 'plain', scopes: NAMES, nameOf: (i) => `s-${i}`, countOf });
    plain = await openLmdbService(dir, { write: true });
  }, 60_000);

  afterAll(async () => {
    await plain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with waitMs 0 a page first reports the count under way, then every page size gives the model order', async () => {
    const first = await plain.scopes('plain', { sort: 'entries', limit: 10, waitMs: 0 });
    expect(first.scopes).toEqual([]);
    expect(first.counting?.done).toBeGreaterThan(0);
    expect(first.counting?.done).toBeLessThan(first.counting?.total as number);
    await whenCounted();
    const expected = model();
    for (const limit of [1, 7, 250])
      expect((await pages('entries', limit)).map((r) => [r.name, r.entries])).toEqual(expected.map((r) => [r.name, r.entries]));
    for (const prefix of ['s-1', 's-42', 's-9']) {
      const having = expected.filter((r) => r.name.startsWith(prefix)).map((r) => [r.name, r.entries]);
      for (const limit of [1, 13]) expect((await pages('entries', limit, prefix)).map((r) => [r.name, r.entries])).toEqual(having);
    }
    expect((await plain.scopes('plain', { sort: 'entries', limit: 1 })).scopes[0]).toMatchObject({
      name: 's-42',
      entries: 700,
      bytes: null,
    });
  });

  it('after a commit, waitMs reads the last count made (stale) while a new one is made; without it the page waits', async () => {
    const before = await whenCounted();
    expect(before.stale).toBeUndefined();
    expect(await plain.clearScope('s-42')).toBe(700);
    // The count of before the commit, marked stale, while the count of now is made.
    const stale = await plain.scopes('plain', { sort: 'entries', limit: 5, waitMs: 0 });
    expect(stale.stale).toBe(true);
    expect(stale.scopes[0]).toMatchObject({ name: 's-42' });
    const page = await plain.scopes('plain', { sort: 'entries', limit: 5 });
    expect(page.counting).toBeUndefined();
    expect(page.stale).toBeUndefined();
    const expected = model().filter((r) => r.name !== 's-42');
    expect(page.scopes.map((r) => [r.name, r.entries])).toEqual(expected.slice(0, 5).map((r) => [r.name, r.entries]));
    expect((await pages('entries', 400)).map((r) => r.name)).toEqual(expected.map((r) => r.name));
    expect((await plain.scopes('plain', { sort: 'entries', limit: 5, waitMs: 0 })).stale).toBeUndefined();
  });

  it('writes that never pause still get counts: one walk goes on at a time, and its counts are shown', async () => {
    await whenCounted();
    const sumOf = (rows: { entries: number }[]) => rows.reduce((sum, row) => sum + row.entries, 0);
    const start = sumOf(model().filter((r) => r.name !== 's-42'));
    // Scopes of two entries or more lose one each (none disappears from the listing).
    const shrinking = Array.from({ length: NAMES }, (_, i) => i)
      .filter((i) => i !== 42 && countOf(i) >= 2)
      .slice(0, 60);
    const totals: number[] = [];
    for (const i of shrinking) {
      expect(await plain.deleteKey('plain', `s-${i}`, `k${countOf(i) - 1}`)).toBe(true); // a commit before every look
      const page = await plain.scopes('plain', { sort: 'entries', limit: NAMES, waitMs: 0 });
      expect(page.counting).toBeUndefined();
      totals.push(sumOf(page.scopes));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // The counts shown move on with the deletions, though no count is ever of the moment asked.
    expect(totals.at(-1)).toBeLessThan(totals[0] as number);
    expect(totals.every((total) => total <= start && total >= start - shrinking.length)).toBe(true);
    expect(sumOf((await plain.scopes('plain', { sort: 'entries', limit: NAMES })).scopes)).toBe(start - shrinking.length);
  });

  it('the bytes order is the name order, every row without bytes', async () => {
    const byName = await pages('name', 333);
    const byBytes = await pages('bytes', 97);
    expect(byBytes.map((r) => r.name)).toEqual(byName.map((r) => r.name));
    expect(byBytes.every((r) => r.bytes === null)).toBe(true);
    expect(byBytes.length).toBe(NAMES - 1); // s-42 was cleared
  });

  it('refuses a waitMs that is not a number of milliseconds', async () => {
    for (const waitMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      await expect(plain.scopes('plain', { sort: 'entries', waitMs })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('closing the service stops a count under way', async () => {
    const other = await openLmdbService(dir);
    const page = await other.scopes('plain', { sort: 'entries', waitMs: 0 });
    expect(page.counting).toBeDefined();
    await other.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // a slice after the close would throw here (unhandled)
  });
});

describe('unnamed ids at the end of a listing by name', () => {
  const NAMES = 1_500;
  const lost = ['s-7', 's-700', 's-1234']; // their registry records go: their data is then unnamed
  let dir: string;
  let listing: StoreService;

  beforeAll(async () => {
    dir = await buildScopesEnv('scoped-cli-unnamed-', {
      db: 'items',
      scopes: NAMES,
      nameOf: (i) => `s-${i}`,
      countOf: () => 1,
      afterWrites: (env, registry) => {
        const table = env.openDB({ name: '__global_scope_metadata', keyEncoding: 'binary', encoding: 'binary' });
        env.transactionSync(() => {
          for (const name of lost) {
            const idKey = Buffer.alloc(8);
            idKey.writeBigUInt64BE(registry.idOf(name) as bigint);
            table.removeSync(idKey);
            table.removeSync(Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from(`n${name}`)]));
          }
        });
      },
    });
    listing = await openLmdbService(dir);
  }, 60_000);

  afterAll(async () => {
    await listing?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with waitMs 0 the last page first reports the search under way, then lists them after the names', async () => {
    const lostIds = lost.map((name) => (Scope.named(name).hash as bigint).toString(16).padStart(16, '0')).sort();
    const rows: ScopeRow[] = [];
    let after: string | undefined;
    const tasks = new Set<string>();
    do {
      const page = await listing.scopes('items', { limit: 500, waitMs: 0, ...(after ? { after } : {}) });
      if (page.counting) {
        // The census of the database (no stats) comes first, then the search for unnamed ids.
        expect(page.scopes).toEqual([]);
        tasks.add(page.counting.task);
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      rows.push(...page.scopes);
      after = page.next;
    } while (after);
    expect([...tasks].sort()).toEqual(['entries', 'unnamed']);
    expect(rows).toHaveLength(NAMES);
    const names = rows.filter((r) => r.kind === 'named').map((r) => r.name as string);
    expect(names).toEqual(
      Array.from({ length: NAMES }, (_, i) => `s-${i}`)
        .filter((n) => !lost.includes(n))
        .sort(),
    );
    expect(rows.slice(-3).map((r) => [r.kind, r.id, r.entries])).toEqual(lostIds.map((id) => ['unnamed', id, 1]));
    // Found once: every page size from the last names on reads the kept search.
    const tail: ScopeRow[] = [];
    let cursor: string | undefined = (await listing.scopes('items', { limit: NAMES - 4 })).next;
    while (cursor) {
      const page = await listing.scopes('items', { limit: 2, after: cursor, waitMs: 0 });
      expect(page.counting).toBeUndefined();
      tail.push(...page.scopes);
      cursor = page.next;
    }
    expect(tail.map((r) => r.label)).toEqual(rows.slice(-4).map((r) => r.label));
  });
});
