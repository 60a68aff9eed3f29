import { describe, expect, it } from 'vitest';
import { scopedDatabaseOptions } from '../src/index.js';
import { bytes, tempEnv } from './helpers.js';

/**
 * Pins what the core README says: with the bytes value codec an async put keeps the
 * caller's array by reference until its batch commits (as lmdb-js does), so a change made
 * before then is what gets stored; a copy, or a change after the promise resolves, is safe.
 */
describe('byte values given to an async put', () => {
  it('are stored as they are when the batch commits, not as they were at the call', async () => {
    const db = scopedDatabaseOptions(tempEnv()).rawBytes().name('by-ref').create();
    const value = bytes(1, 2, 3);
    const written = db.put('s', bytes(1), value);
    value[0] = 9; // before the commit: this is what lands
    await written;
    expect(db.get('s', bytes(1))).toEqual(bytes(9, 2, 3));
    value[0] = 7; // after it resolved: the stored bytes are LMDB's own
    expect(db.get('s', bytes(1))).toEqual(bytes(9, 2, 3));
  });

  it('are safe to reuse when the caller passes a copy', async () => {
    const db = scopedDatabaseOptions(tempEnv()).rawBytes().name('copied').create();
    const buffer = bytes(1, 2, 3);
    const written = db.put('s', bytes(1), buffer.slice());
    buffer[0] = 9;
    await written;
    expect(db.get('s', bytes(1))).toEqual(bytes(1, 2, 3));
  });

  it('keys are copied at the call: changing the key array later changes nothing', async () => {
    const db = scopedDatabaseOptions(tempEnv()).rawBytes().name('keys').create();
    const key = bytes(5);
    const written = db.put('s', key, bytes(1));
    key[0] = 6;
    await written;
    expect([...db.getKeys('s')]).toEqual([bytes(5)]);
  });
});
