import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { codecs, type ScopedDatabase, scopedDatabaseOptions } from '../src/index.js';
import { tempEnv } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });
const enc = new TextEncoder();
/** Stored bytes of an entry with a string key and a JSON value. */
const size = (key: string, value: unknown) => enc.encode(key).length + enc.encode(JSON.stringify(value)).length;

function statsDb(env = tempEnv(), name = 'counted'): ScopedDatabase<string, unknown> {
  return scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name(name).withStats().create();
}

describe('.withStats()', () => {
  it('counts entries and stored bytes on every write path, in every scope', async () => {
    const db = statsDb();
    for (const scope of [null, 'tenant']) {
      db.putSync(scope, 'a', 1);
      await db.put(scope, 'bb', { x: 'y' });
      expect(db.getStats(scope)).toEqual({ entries: 2, bytes: size('a', 1) + size('bb', { x: 'y' }) });
      // An overwrite changes the bytes by the size difference, not the count.
      db.putSync(scope, 'a', 'longer value');
      expect(db.getStats(scope)).toEqual({ entries: 2, bytes: size('a', 'longer value') + size('bb', { x: 'y' }) });
      expect(await db.remove(scope, 'bb')).toBe(true);
      expect(await db.remove(scope, 'missing')).toBe(false);
      expect(db.removeSync(scope, 'missing')).toBe(false);
      expect(db.getStats(scope)).toEqual({ entries: 1, bytes: size('a', 'longer value') });
      db.transactionSync(() => {
        db.putSync(scope, 'c', 3);
        db.putSync(scope, 'd', 4);
        expect(db.getStats(scope).entries).toBe(3); // pending deltas are seen inside the transaction
      });
      await db.transaction(() => db.removeSync(scope, 'c'));
      expect(db.getStats(scope)).toEqual({ entries: 2, bytes: size('a', 'longer value') + size('d', 4) });
      expect(db.clearSync(scope)).toBe(2);
      expect(db.getStats(scope)).toEqual({ entries: 0, bytes: 0 });
      db.putSync(scope, 'e', 5);
      expect(await db.clearAsync(scope)).toBe(1);
      expect(db.getStats(scope)).toEqual({ entries: 0, bytes: 0 });
    }
    expect(db.getStats('never-written')).toEqual({ entries: 0, bytes: 0 });
  });

  it('a range-bounded clear subtracts exactly what it removed, in every scope, and agrees with a recount', async () => {
    const db = statsDb();
    for (const scope of [null, 'tenant']) {
      for (const k of ['a', 'b', 'c', 'd', 'e']) db.putSync(scope, k, k.repeat(3));
      expect(db.clearSync(scope, { start: 'b', end: 'd' })).toBe(2);
      expect(db.getStats(scope)).toEqual({ entries: 3, bytes: 3 * size('a', 'aaa') });
      const [cleared, put] = await Promise.all([db.clearAsync(scope, { reverse: true, limit: 1 }), db.put(scope, 'z', 1)]);
      expect([cleared, put]).toEqual([1, true]);
      expect(db.getKeys(scope).asArray).toEqual(['a', 'd', 'z']);
      expect(db.getStats(scope)).toEqual({ entries: 3, bytes: 2 * size('a', 'aaa') + size('z', 1) });
      // A clear that rolls back with its transaction leaves the stats as they were.
      expect(() =>
        db.transactionSync(() => {
          db.clearSync(scope, { start: 'a' });
          throw new Error('abort');
        }),
      ).toThrow('abort');
      expect(db.getStats(scope).entries).toBe(3);
      expect(db.recountStats(scope)).toEqual(db.getStats(scope));
    }
  });

  it('B66 a bad clear range names the database, the scope and the call', async () => {
    const db = statsDb();
    db.putSync('tenant', 'a', 1);
    expect(() => db.clearSync('tenant', { offset: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/clearSync in "counted", scope "tenant".*offset/) }),
    );
    await expect(db.scope('tenant').clearAsync({ limit: -1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/clearAsync in "counted", scope "tenant"/),
    });
    expect(db.getStats('tenant').entries).toBe(1);
  });

  it('rolls back with a transaction, and a nested one that throws rolls back alone', () => {
    const db = statsDb();
    db.putSync('t', 'kept', 1);
    expect(() =>
      db.transactionSync(() => {
        db.putSync('t', 'gone', 2);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(db.getStats('t').entries).toBe(1);
    db.transactionSync(() => {
      db.putSync('t', 'outer', 1);
      expect(() =>
        db.transactionSync(() => {
          db.putSync('t', 'inner', 1);
          throw new Error('inner abort');
        }),
      ).toThrow('inner abort');
    });
    expect(db.getStats('t').entries).toBe(2);
    expect([...db.getKeys('t')]).toEqual(['kept', 'outer']);
  });

  it('keeps un-awaited interleavings exact, and agrees with a recount', async () => {
    const db = statsDb();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(db.put('s', `k${i % 37}`, 'v'.repeat(i % 11)));
      if (i % 7 === 0) writes.push(db.remove('s', `k${(i * 3) % 37}`));
      if (i % 50 === 49) writes.push(db.clearAsync('s'));
    }
    await Promise.all(writes);
    const kept = db.getStats('s');
    expect(kept.entries).toBe(db.getCount('s'));
    expect(db.recountStats('s')).toEqual(kept);
    expect(db.getStats('s')).toEqual(kept);
  });

  it('costs O(1) per read of stats, and recounts every scope on demand', () => {
    const env = tempEnv();
    const db = statsDb(env);
    db.transactionSync(() => {
      for (let i = 0; i < 500; i++) db.putSync(`t${i % 5}`, `k${i}`, i);
    });
    const before = [0, 1, 2, 3, 4].map((i) => db.getStats(`t${i}`));
    const total = db.recountStats();
    expect(total.entries).toBe(500);
    expect([0, 1, 2, 3, 4].map((i) => db.getStats(`t${i}`))).toEqual(before);
  });

  it('counts the data already there when a database is opened with stats for the first time', () => {
    const env = tempEnv();
    const plain = scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('later').create();
    plain.putSync('t', 'a', 1);
    plain.putSync(null, 'b', 2);
    const counted = statsDb(env, 'later');
    expect(counted.getStats('t')).toEqual({ entries: 1, bytes: size('a', 1) });
    expect(counted.getStats(null)).toEqual({ entries: 1, bytes: size('b', 2) });
  });

  it('refuses getStats without stats, and a reopen without .withStats() of a database that keeps them', () => {
    const env = tempEnv();
    const plain = scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('plain').create();
    expect(() => plain.getStats('t')).toThrow(code('INVALID_INPUT'));
    expect(() => plain.recountStats()).toThrow(code('INVALID_INPUT'));
    statsDb(env, 'kept');
    expect(() => scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('kept').create()).toThrow(code('INVALID_INPUT'));
  });

  it('survives a restart', async () => {
    const path = mkdtempSync(join(tmpdir(), 'scoped-lmdb-stats-'));
    try {
      let env = open({ path, maxDbs: 8 });
      statsDb(env, 'durable').putSync('t', 'a', 1);
      await env.close();
      env = open({ path, maxDbs: 8 });
      expect(statsDb(env, 'durable').getStats('t')).toEqual({ entries: 1, bytes: size('a', 1) });
      await env.close();
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});
