import type { Database, RootDatabase } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { codecs, keyFormat, Scope, scopedDatabaseOptions } from '../src/index.js';
import { bytes, edgeScopeNames, tempEnv } from './helpers.js';

/** Records the byte bounds of every range the scoped table is asked for. */
function spyOnRanges(env: RootDatabase) {
  const calls: { start?: Uint8Array; end?: Uint8Array; reverse?: boolean }[] = [];
  const openDB = env.openDB.bind(env);
  env.openDB = ((...args: Parameters<RootDatabase['openDB']>) => {
    const table = openDB(...args) as Database;
    if (String(args[0]).endsWith('_scoped')) {
      for (const method of ['getRange', 'getKeys', 'getCount'] as const) {
        const original = table[method].bind(table) as (o?: object) => unknown;
        (table as unknown as Record<string, unknown>)[method] = (options: { start?: Uint8Array; end?: Uint8Array } = {}) => {
          calls.push({ ...options });
          return original(options);
        };
      }
    }
    return table;
  }) as RootDatabase['openDB'];
  return calls;
}

describe('scoped-heed defects, fixed', () => {
  it('defect 1: big-endian ids without a length prefix keep key order and exact scope bounds', () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).rawBytes().name('d1').create();
    // A scope whose id ends in 0xFFFF: the "hash + 1" bound must carry into the upper bytes.
    const carry = edgeScopeNames.endsWithFFFF;
    const keys = [bytes(0xff, 0xff), bytes(0), bytes(0x10), bytes(1, 2, 3)];
    for (const key of keys) db.putSync(carry, key, key);
    // Neighbours on both sides in id order hold data that must not bleed in.
    const id = Scope.named(carry).hash as bigint;
    const neighbours = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    for (const n of neighbours) db.putSync(n, bytes(0), bytes(9));
    expect([...db.getKeys(carry)]).toEqual([...keys].sort(Buffer.compare));
    expect(db.getCount(carry)).toBe(4);
    expect(db.clearSync(carry)).toBe(4);
    for (const n of neighbours) expect(db.get(n, bytes(0))).toEqual(bytes(9));
    expect(keyFormat.bounds(carry).end).toEqual(
      (() => {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, (id + 1n) & 0xffff_ffff_ffff_ffffn, false);
        return b;
      })(),
    );
  });

  it('defect 2: iteration, counts, emptiness and clears seek within the scope, never the whole table', () => {
    const env = tempEnv();
    const calls = spyOnRanges(env);
    const db = scopedDatabaseOptions(env).rawBytes().name('d2').create();
    for (let i = 0; i < 50; i++) db.putSync(`other-${i}`, bytes(i), bytes(i));
    const scope = Scope.named('target');
    db.putSync(scope, bytes(1), bytes(1));
    calls.length = 0;
    [...db.getKeys(scope)];
    [...db.getRange(scope, { reverse: true })];
    db.getCount(scope);
    db.isScopeEmpty(scope);
    db.clearSync(scope);
    const { start, end } = keyFormat.bounds(scope);
    expect(calls.length).toBeGreaterThanOrEqual(5);
    for (const call of calls) {
      const [low, high] = call.reverse ? [call.end, call.start] : [call.start, call.end];
      expect(low && Buffer.compare(low, start) >= 0).toBe(true);
      expect(high && Buffer.compare(high, end as Uint8Array) <= 0).toBe(true);
    }
  });

  it('defect 5: string keys sort by text, not by length', () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.json()).name('d5').create();
    for (const key of ['b', 'aaa', 'ab', 'a', 'aa']) db.putSync('s', key, key);
    expect([...db.getKeys('s')]).toEqual(['a', 'aa', 'aaa', 'ab', 'b']);
    expect([...db.getKeys('s', { start: 'aa', end: 'b' })]).toEqual(['aa', 'aaa', 'ab']);
  });

  it('defect 6: the empty name is an error, not a silent default scope', () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.json()).name('d6').create();
    expect(() => db.putSync('', 'k', 1)).toThrow(expect.objectContaining({ code: 'EMPTY_SCOPE_NAME' }));
    expect(db.isScopeEmpty(null)).toBe(true);
  });
});
