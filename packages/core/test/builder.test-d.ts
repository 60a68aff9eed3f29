import type { RootDatabase } from 'lmdb';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type Codec,
  codecs,
  type ScopedBytesDatabase,
  type ScopedBytesKeyDatabase,
  type ScopedDatabase,
  type ScopedView,
  scopedDatabaseOptions,
} from '../src/index.js';

interface Order {
  id: string;
  total: number;
}
declare const env: RootDatabase;

describe('builder type inference', () => {
  it('infers K and V from the codecs', () => {
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json<Order>()).name('orders').create();
    expectTypeOf(db).toEqualTypeOf<ScopedDatabase<string, Order>>();
    expectTypeOf(db.get('tenant', 'k')).toEqualTypeOf<Order | undefined>();
    expectTypeOf(db.scope('tenant')).toEqualTypeOf<ScopedView<string, Order>>();
    expectTypeOf(db.put).parameter(2).toEqualTypeOf<Order>();
  });

  it('types the byte kinds', () => {
    const bytesKeys = scopedDatabaseOptions(env).bytesKeys(codecs.json<Order>()).name('a').create();
    expectTypeOf(bytesKeys).toEqualTypeOf<ScopedBytesKeyDatabase<Order>>();
    const raw = scopedDatabaseOptions(env).rawBytes().name('b').create();
    expectTypeOf(raw).toEqualTypeOf<ScopedBytesDatabase>();
    const unnamed = scopedDatabaseOptions(env).name('c').rawBytes().unnamedForDefault().create();
    expectTypeOf(unnamed).toEqualTypeOf<ScopedBytesDatabase>();
  });

  it('accepts a custom codec written as an object literal', () => {
    const upper: Codec<string> = { name: 'upper', encode: (s) => Buffer.from(s.toUpperCase()), decode: (b) => Buffer.from(b).toString() };
    const db = scopedDatabaseOptions(env).types(codecs.key(), upper).name('d').create();
    expectTypeOf(db.get('s', 1)).toEqualTypeOf<string | undefined>();
  });

  it('rejects .unnamedForDefault() outside rawBytes() and create() without a kind', () => {
    const base = scopedDatabaseOptions(env).name('e');
    // @ts-expect-error unnamedForDefault is for rawBytes() only
    base.types(codecs.string(), codecs.string()).unnamedForDefault();
    // @ts-expect-error unnamedForDefault is for rawBytes() only
    base.bytesKeys(codecs.string()).unnamedForDefault();
    // @ts-expect-error no kind chosen yet
    base.unnamedForDefault();
    // @ts-expect-error create() needs a kind
    base.create();
    // @ts-expect-error a kind cannot change back after unnamedForDefault()
    base.rawBytes().unnamedForDefault().types(codecs.string(), codecs.string());
    // @ts-expect-error wrong key type for a string-keyed database
    base.types(codecs.string(), codecs.string()).create().get('s', 42);
  });
});
