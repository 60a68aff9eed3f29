import type * as core from '@scoped-lmdb/core';
import { type Codec, codecs, type Entry, type Scope } from '@scoped-lmdb/core';
import type { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import { type AsyncScopedDatabase, type AsyncScopedView, openRedisScopedStore } from '../src/index.js';

declare const client: Redis;
/** Reads a Date, takes a Date or an ISO string on write (a codec with distinct input, like zodCodec). */
declare const dates: Codec<Date, Date | string>;

describe('types', () => {
  it('infers K and V from the codecs', async () => {
    const store = await openRedisScopedStore(client);
    const db = store.database('orders', codecs.string(), codecs.json<{ total: number }>());
    expectTypeOf(db).toEqualTypeOf<AsyncScopedDatabase<string, { total: number }>>();
    expectTypeOf(db.get('s', 'k')).toEqualTypeOf<Promise<{ total: number } | undefined>>();
    expectTypeOf(db.getRange('s')).toEqualTypeOf<AsyncIterable<Entry<string, { total: number }>>>();
    expectTypeOf(db.scope('s').isEmpty()).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(db.listUnnamedIds()).toEqualTypeOf<Promise<bigint[]>>();
    expectTypeOf(store.listAllScopes()).toEqualTypeOf<Promise<Scope[]>>();
    // @ts-expect-error the key codec is string
    void db.put('s', 42, { total: 1 });
    // @ts-expect-error the value must match the value codec
    void db.put('s', 'k', { total: 'one' });
  });

  it('takes what the value codec encodes (VIn) on write and returns what it decodes (V)', async () => {
    const store = await openRedisScopedStore(client);
    const db = store.database('events', codecs.string(), dates);
    expectTypeOf(db).toEqualTypeOf<AsyncScopedDatabase<string, Date, Date | string>>();
    void db.put('s', 'k', '2026-12-01T00:00:00Z');
    void db.scope('s').putSync('k', new Date());
    expectTypeOf(db.get('s', 'k')).toEqualTypeOf<Promise<Date | undefined>>();
    expectTypeOf(db.scope('s')).toEqualTypeOf<AsyncScopedView<string, Date, Date | string>>();
    // @ts-expect-error a number is neither a Date nor a string
    void db.put('s', 'k', 5);
  });

  it("re-exports core's contract, not a copy of it", () => {
    expectTypeOf<AsyncScopedDatabase<string, number>>().toEqualTypeOf<core.AsyncScopedDatabase<string, number>>();
    expectTypeOf<AsyncScopedView<string, number>>().toEqualTypeOf<core.AsyncScopedView<string, number>>();
  });
});
