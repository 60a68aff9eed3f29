/**
 * What the shared suite's snapshots group (test-suite groups/snapshots.ts) cannot show from the
 * async contract: a snapshot is a read transaction of its own, so lmdb-js's handling of its shared
 * one never ends it (opening a table commits that one), and each snapshot holds one reader slot
 * until done() releases it.
 */
import { describe, expect, it } from 'vitest';
import { codecs, scopedDatabaseOptions } from '../src/index.js';
import { tempEnv } from './helpers.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('snapshot()', () => {
  it('survives a table opened after it, reads and commits in the same turn, and the next turns', async () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create();
    db.putSync('t', 'k', 'before');
    await nextTurn();
    const snapshot = db.snapshot();
    expect(db.get('t', 'k')).toBe('before'); // a read of the shared transaction, same turn
    scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('opened-later').create(); // lmdb-js commits its shared read txn
    env.openDB('raw-table', {});
    db.putSync('t', 'k', 'after');
    expect(snapshot.get('t', 'k')).toBe('before');
    await nextTurn();
    expect(snapshot.getRange('t').asArray).toEqual([{ key: 'k', value: 'before' }]);
    expect(db.get('t', 'k')).toBe('after');
    snapshot.done();
  });

  it('leaves a live range that is being walked, and later live reads, as they were', async () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create();
    for (const k of ['a', 'b', 'c', 'd']) db.putSync('t', k, k);
    await nextTurn();
    const walk = db.getKeys('t')[Symbol.iterator]();
    expect(walk.next().value).toBe('a');
    const snapshot = db.snapshot();
    expect(walk.next().value).toBe('b');
    db.putSync('t', 'e', 'e');
    expect(db.getKeys('t').asArray).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([walk.next().value, walk.next().value]).toEqual(['c', 'd']);
    expect(snapshot.getKeys('t').asArray).toEqual(['a', 'b', 'c', 'd']);
    snapshot.done();
    await nextTurn();
    expect(db.getCount('t')).toBe(5);
  });

  it('holds one reader slot each until done()', async () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json()).name('orders').create();
    db.putSync('t', 'k', 1);
    const readers = () =>
      env
        .readerList()
        .split('\n')
        .filter((line) => /^\s*\d+/.test(line)).length;
    await nextTurn();
    db.get('t', 'k');
    const before = readers();
    const snapshots = Array.from({ length: 4 }, () => db.snapshot());
    expect(readers()).toBe(before + 4);
    for (const snapshot of snapshots) snapshot.done();
    expect(readers()).toBe(before);
  });
});
