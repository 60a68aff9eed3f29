import { describe, expect, it } from 'vitest';
import { codecs, Scope, scopedDatabaseOptions } from '../src/index.js';
import { tempEnv } from './helpers.js';

describe('range offset', () => {
  it('past the scope, or at 2^32 and beyond, yields nothing and never reaches the next scope', () => {
    const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), codecs.string()).name('offsets').create();
    // Two scopes next to each other in id order: the second's entries follow the first's in the table.
    const [first, second] = ['a', 'b'].map((n) => Scope.named(n)).sort((x, y) => (x.hash! < y.hash! ? -1 : 1)) as [Scope, Scope];
    for (let i = 0; i < 5; i++) db.putSync(first, `k${i}`, 'v');
    db.transactionSync(() => {
      for (let i = 0; i < 2000; i++) db.putSync(second, `n${String(i).padStart(4, '0')}`, 'v');
    });
    for (const offset of [5, 6, 1000, 2 ** 32, 2 ** 32 + 1, 2 ** 40]) {
      expect([...db.getKeys(first, { offset })], `offset ${offset}`).toEqual([]);
      expect([...db.getRange(first, { offset, reverse: true })], `offset ${offset}`).toEqual([]);
      expect(db.getCount(first, { offset }), `offset ${offset}`).toBe(0);
    }
    expect([...db.getKeys(first, { offset: 3 })]).toEqual(['k3', 'k4']);
    expect([...db.getKeys(first, { offset: 3, reverse: true })]).toEqual(['k1', 'k0']);
    expect([...db.getKeys(second, { offset: 1998, limit: 5 })]).toEqual(['n1998', 'n1999']);
  });
});
