import { codecs, type Entry, type Scope } from '@scoped-lmdb/core';
import type { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import { type AsyncScopedDatabase, openRedisScopedStore } from '../src/index.js';

declare const client: Redis;

describe('types', () => {
  it('infers K and V from the codecs', async () => {
    const store = await openRedisScopedStore(client);
    const db = store.database('orders', codecs.string(), codecs.json<{ total: number }>());
    expectTypeOf(db).toEqualTypeOf<AsyncScopedDatabase<string, { total: number }>>();
    expectTypeOf(db.get('s', 'k')).toEqualTypeOf<Promise<{ total: number } | undefined>>();
    expectTypeOf(db.getRange('s')).toEqualTypeOf<AsyncIterable<Entry<string, { total: number }>>>();
    expectTypeOf(db.scope('s').isEmpty()).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(store.listAllScopes()).toEqualTypeOf<Promise<Scope[]>>();
    // @ts-expect-error the key codec is string
    void db.put('s', 42, { total: 1 });
    // @ts-expect-error the value must match the value codec
    void db.put('s', 'k', { total: 'one' });
  });
});
