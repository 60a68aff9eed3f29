/**
 * What the adapter adds to abstract-level's suite (test/abstract-level-suite.ts runs that):
 * two ScopedLevels on scopes of one database never meet, sublevels stay inside their scope,
 * Level modules (level-read-stream) work on a tenant, bad arguments are refused (B69), closing
 * leaves the shared env open, and iterators release their snapshot when closed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { codecs, type ScopedBytesDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { EntryStream } from 'level-read-stream';
import { open, type RootDatabase } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { ScopedLevel } from '../src/index.js';

const dirs: string[] = [];
const envs: RootDatabase[] = [];
afterAll(async () => {
  for (const env of envs) await env.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function setup(): { env: RootDatabase; db: ScopedBytesDatabase } {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-level-'));
  dirs.push(dir);
  const env = open({ path: dir, maxDbs: 16 });
  envs.push(env);
  return { env, db: scopedDatabaseOptions(env).rawBytes().name('level').create() };
}

const refused = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

describe('ScopedLevel', () => {
  it('keeps two scopes of one database apart: same keys, clear, iterators, counts', async () => {
    const { db } = setup();
    const a = new ScopedLevel<string, string>(db, 'tenant-a');
    const b = new ScopedLevel<string, string>(db, 'tenant-b');
    await a.batch([
      { type: 'put', key: 'k1', value: 'a1' },
      { type: 'put', key: 'k2', value: 'a2' },
    ]);
    await b.put('k1', 'b1');
    expect(await a.get('k1')).toBe('a1');
    expect(await b.get('k1')).toBe('b1');
    expect(await b.get('k2')).toBeUndefined();
    expect(await b.has('k2')).toBe(false);
    expect(await a.keys().all()).toEqual(['k1', 'k2']);
    await a.clear();
    expect(await a.keys().all()).toEqual([]);
    expect(await b.iterator().all()).toEqual([['k1', 'b1']]);
    expect(db.getCount('tenant-b')).toBe(1);
    expect(a.scope.name).toBe('tenant-a');
  });

  it('stores a sublevel under its prefix inside the scope, and clears a range of it only', async () => {
    const { db } = setup();
    const level = new ScopedLevel<string, string>(db, 'tenant');
    const other = new ScopedLevel<string, string>(db, 'other');
    const users = level.sublevel('users');
    await users.batch([
      { type: 'put', key: 'ada', value: '1' },
      { type: 'put', key: 'bob', value: '2' },
      { type: 'put', key: 'cy', value: '3' },
    ]);
    await level.put('top', 'level');
    await other.sublevel('users').put('ada', 'other');
    await users.clear({ gt: 'ada', lte: 'bob' });
    expect(await users.keys().all()).toEqual(['ada', 'cy']);
    // The stored keys are abstract-level's prefixed keys, in the scope.
    const stored = db.getKeys('tenant').asArray.map((key) => Buffer.from(key).toString());
    expect(stored).toEqual(['!users!ada', '!users!cy', 'top']);
    expect(await other.sublevel('users').get('ada')).toBe('other');
  });

  it('clears reverse ranges with a limit exactly, bounds of every kind', async () => {
    const { db } = setup();
    const level = new ScopedLevel<string, string>(db, 'tenant');
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (const [options, left] of [
      [{ reverse: true, limit: 2 }, ['a', 'b', 'c']],
      [{ reverse: true, limit: 2, lt: 'e' }, ['a', 'b', 'e']],
      [{ reverse: true, limit: 2, gte: 'c', lte: 'd' }, ['a', 'b', 'e']],
      [{ reverse: true, limit: 1, gt: 'a', lt: 'c' }, ['a', 'c', 'd', 'e']],
      [{ limit: 2, gt: 'a' }, ['a', 'd', 'e']],
      [{ gte: 'b', lt: 'd' }, ['a', 'd', 'e']],
    ] as const) {
      await level.clear();
      await level.batch(keys.map((key) => ({ type: 'put' as const, key, value: key })));
      await level.clear(options);
      expect(await level.keys().all(), JSON.stringify(options)).toEqual(left);
    }
  });

  it('runs Level modules: level-read-stream streams a tenant in order', async () => {
    const { db } = setup();
    const level = new ScopedLevel<string, { n: number }>(db, 'tenant', { valueEncoding: 'json' });
    await level.batch(
      Array.from({ length: 50 }, (_, n) => ({ type: 'put' as const, key: `k${String(n).padStart(2, '0')}`, value: { n } })),
    );
    const seen: number[] = [];
    await pipeline(
      new EntryStream(level, { gte: 'k10', lt: 'k20' }),
      new Writable({
        objectMode: true,
        write(entry: { key: string; value: { n: number } }, _encoding, done) {
          seen.push(entry.value.n);
          done();
        },
      }),
    );
    expect(seen).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('iterates with for await as abstract-level does: per next(), closed at the end, on a break and on an error', async () => {
    const { db } = setup();
    const level = new ScopedLevel<string, string>(db, 'tenant');
    await level.batch(['a', 'b', 'c', 'd'].map((key) => ({ type: 'put' as const, key, value: `"${key}"` })));
    const seen: string[] = [];
    const counts: number[] = [];
    const whole = level.keys();
    for await (const key of whole) {
      seen.push(key);
      counts.push(whole.count);
    }
    expect([seen, counts]).toEqual([
      ['a', 'b', 'c', 'd'],
      [1, 2, 3, 4],
    ]);
    await expect(whole.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });
    // A break closes it; a seek or a next() in the loop body steers what comes next.
    const steered = level.iterator({ valueEncoding: 'json' });
    const entries: [string, string][] = [];
    for await (const entry of steered) {
      entries.push(entry);
      if (entry[0] === 'a') steered.seek('c');
      else if (entries.length === 2) entries.push((await steered.next()) as [string, string]);
      else break;
    }
    expect(entries).toEqual([
      ['a', 'a'],
      ['c', 'c'],
      ['d', 'd'],
    ]);
    await expect(steered.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });
    // Calls made at once are answered in order, one at a time; nothing follows the end.
    const generator = level.keys({ limit: 2 })[Symbol.asyncIterator]();
    const steps = await Promise.all([generator.next(), generator.next(), generator.next(), generator.next()]);
    expect(steps.map((step) => step.value)).toEqual(['a', 'b', undefined, undefined]);
    // A value that does not decode: the error is thrown, and the iterator closed.
    await level.put('e', 'not json');
    const failing = level.values({ valueEncoding: 'json', gte: 'e' });
    await expect(async () => {
      for await (const _ of failing);
    }).rejects.toMatchObject({ code: 'LEVEL_DECODE_ERROR' });
    await expect(failing.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });
  });

  it('B69 refuses the default scope, a non-database, a database of other keys or values, and bad scopes', () => {
    const { env, db } = setup();
    const strings = scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('strings').create();
    expect(() => new ScopedLevel(strings as never, 'tenant')).toThrow(refused('INVALID_INPUT'));
    expect(() => new ScopedLevel(db, null)).toThrow(refused('INVALID_INPUT'));
    expect(() => new ScopedLevel(db, undefined)).toThrow(/default scope/);
    expect(() => new ScopedLevel({} as never, 'tenant')).toThrow(refused('INVALID_INPUT'));
    expect(() => new ScopedLevel(null as never, 'tenant')).toThrow(refused('INVALID_INPUT'));
    expect(() => new ScopedLevel(db, 42 as never)).toThrow(refused('INVALID_INPUT'));
    expect(() => new ScopedLevel(db, '')).toThrow(refused('EMPTY_SCOPE_NAME'));
    expect(db.isScopeEmpty('tenant')).toBe(true);
  });

  it('closing a ScopedLevel leaves the shared env and the other scopes open', async () => {
    const { env, db } = setup();
    const a = new ScopedLevel<string, string>(db, 'a');
    const b = new ScopedLevel<string, string>(db, 'b');
    await a.put('k', 'v');
    await b.put('k', 'w');
    await a.close();
    expect(await b.get('k')).toBe('w');
    expect(db.get('a', Buffer.from('k'))).toEqual(Buffer.from('v'));
    await a.open();
    expect(await a.get('k')).toBe('v');
    expect(env.get('missing')).toBeUndefined();
  });

  it('an iterator reads the snapshot of its creation, and releases it when closed', async () => {
    const { env, db } = setup();
    const level = new ScopedLevel<string, string>(db, 'tenant');
    await level.batch(['a', 'b', 'c'].map((key) => ({ type: 'put' as const, key, value: key })));
    const readers = () =>
      env
        .readerList()
        .split('\n')
        .filter((line) => /^\s*\d+/.test(line)).length;
    const before = readers();
    const iterators = [];
    for (let i = 0; i < 5; i++) {
      iterators.push(level.iterator());
      await level.put(`later-${i}`, 'x'); // a commit and a new turn: each iterator keeps its own snapshot
    }
    expect(readers()).toBeGreaterThan(before);
    expect((await iterators[0]?.all())?.map(([key]) => key)).toEqual(['a', 'b', 'c']);
    for (const iterator of iterators) await iterator.close();
    await new Promise((resolve) => setImmediate(resolve));
    await level.get('a'); // a read renews the shared read transaction
    expect(readers()).toBeLessThanOrEqual(before + 1);
  });

  it('keeps stats exact and quotas enforced through puts, batches, dels and range clears', async () => {
    const { env } = setup();
    const registry = GlobalScopeRegistry.open(env);
    const db = scopedDatabaseOptions(env, { registry }).rawBytes().name('counted').withStats().create();
    const level = new ScopedLevel<string, string>(db, 'tenant');
    registry.setQuota('tenant', { maxEntries: 4 });
    await level.batch(['a', 'b', 'c'].map((key) => ({ type: 'put' as const, key, value: 'vv' })));
    await level.put('d', 'v');
    expect(db.getStats('tenant')).toEqual({ entries: 4, bytes: 3 * 3 + 2 });
    await expect(level.put('e', 'v')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    await expect(level.batch([{ type: 'put', key: 'e', value: 'v' }])).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    await level.clear({ gt: 'a', lte: 'b' });
    await level.del('d');
    expect(db.getStats('tenant')).toEqual({ entries: 2, bytes: 2 * 3 });
    await level.put('e', 'v');
    expect(await level.keys().all()).toEqual(['a', 'c', 'e']);
    expect(db.recountStats('tenant')).toEqual(db.getStats('tenant'));
    expect(registry.listAllScopes().map(String)).toContain('tenant');
  });

  it('works on a types(bytes, bytes) database, with buffer and view encodings', async () => {
    const { env } = setup();
    const db = scopedDatabaseOptions(env).types(codecs.bytes(), codecs.bytes()).name('typed').create();
    const level = new ScopedLevel<Uint8Array, Uint8Array>(db, 'tenant', { keyEncoding: 'view', valueEncoding: 'buffer' });
    await level.put(Uint8Array.of(0), Uint8Array.of(1, 2));
    await level.put(new Uint8Array(0), new Uint8Array(0));
    const value = await level.get(Uint8Array.of(0));
    expect(Buffer.isBuffer(value)).toBe(true);
    expect([...(value as Uint8Array)]).toEqual([1, 2]);
    expect((await level.keys().all()).map((key) => [...key])).toEqual([[], [0]]);
    expect(level.getSync(new Uint8Array(0))?.length).toBe(0);
  });

  it('put and del without options behave as abstract-level: rejections, events and hooks when watched, deferred open', async () => {
    const { db } = setup();
    const failing = {
      name: 'failing',
      format: 'utf8',
      encode: () => {
        throw new Error('no encoding');
      },
      decode: String,
    } as const;
    const level = new ScopedLevel<string, string>(db, 'tenant', { valueEncoding: failing as never });
    // Deferred: the first put is issued while the database is still opening.
    const first = level.put('k', 'v' as never).catch((error: Error) => error.message);
    await expect(first).resolves.toBe('no encoding');
    let rejected: unknown;
    const pending = level.put(null as never, 'v').catch((error: unknown) => {
      rejected = error;
    });
    await pending;
    expect(rejected).toMatchObject({ code: 'LEVEL_INVALID_KEY' });
    // Open now: the same failure is still a rejection, and nothing was written.
    await expect(level.put('k', 'v' as never).catch((error: Error) => error.message)).resolves.toBe('no encoding');
    expect(db.getCount('tenant')).toBe(0);
    const plain = new ScopedLevel<string, string>(db, 'plain');
    await plain.open();
    expect(await plain.put('a', '1')).toBeUndefined();
    const seen: unknown[] = [];
    const onWrite = (ops: { type: string; key: string }[]) => seen.push(...ops.map((op) => `${op.type} ${op.key}`));
    plain.on('write', onWrite);
    await plain.put('b', '2');
    await plain.del('a');
    plain.off('write', onWrite);
    await plain.put('c', '3');
    expect(seen).toEqual(['put b', 'del a']);
    plain.hooks.prewrite.add((op, batch) => {
      if (op.type === 'put') batch.add({ type: 'put', key: `${op.key}-copy`, value: op.value });
    });
    await plain.put('d', '4');
    expect(await plain.keys().all()).toEqual(['b', 'c', 'd', 'd-copy']);
    expect(await plain.del('zz')).toBeUndefined();
    await plain.close();
    await expect(plain.put('e', '5')).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' });
    await expect(plain.del('b')).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' });
  });
});
