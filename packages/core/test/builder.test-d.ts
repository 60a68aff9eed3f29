import type { RootDatabase } from 'lmdb';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type Codec,
  type CodecInput,
  type CodecValue,
  codecs,
  type Entry,
  type RangeOptions,
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

  it('takes a codec input type on writes and gives its output type on reads', () => {
    const isoDate: Codec<Date, Date | string> = {
      name: 'iso-date',
      encode: (value) => new TextEncoder().encode(new Date(value).toISOString()),
      decode: (bytes) => new Date(new TextDecoder().decode(bytes)),
    };
    const db = scopedDatabaseOptions(env).types(codecs.string(), isoDate).name('dates').create();
    expectTypeOf(db).toEqualTypeOf<ScopedDatabase<string, Date, Date | string>>();
    expectTypeOf(db.put).parameter(2).toEqualTypeOf<Date | string>();
    expectTypeOf(db.putSync).parameter(2).toEqualTypeOf<Date | string>();
    expectTypeOf(db.get('s', 'k')).toEqualTypeOf<Date | undefined>();
    expectTypeOf(db.scope('s').put).parameter(1).toEqualTypeOf<Date | string>();
    expectTypeOf([...db.getRange('s')][0]?.value).toEqualTypeOf<Date | undefined>();
    expectTypeOf<CodecInput<typeof isoDate>>().toEqualTypeOf<Date | string>();
    expectTypeOf<CodecValue<typeof isoDate>>().toEqualTypeOf<Date>();
    const bytesKeyed = scopedDatabaseOptions(env).bytesKeys(isoDate).name('dates2').create();
    expectTypeOf(bytesKeyed.putSync).parameter(2).toEqualTypeOf<Date | string>();
  });

  it('types ranges as they behave', () => {
    const db = scopedDatabaseOptions(env).types(codecs.string(), codecs.json<Order>()).name('ranges').create();
    expectTypeOf(db.getRange('s').asArray).toEqualTypeOf<Entry<string, Order>[]>();
    expectTypeOf(db.getKeys('s').map((k) => k.length).asArray).toEqualTypeOf<number[]>();
    // Options may be built from possibly-undefined values (exactOptionalPropertyTypes is on here).
    const start: string | undefined = undefined as string | undefined;
    const options: RangeOptions<string> = { start, end: undefined, limit: undefined };
    db.getRange('s', options);
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
