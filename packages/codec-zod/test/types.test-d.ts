import { type Codec, codecs, type ScopedDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import type { RootDatabase } from 'lmdb';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { z as zod3classic } from 'zod3';
import { standardSchemaCodec, zodCodec } from '../src/index.js';

const User = z.object({ name: z.string(), role: z.enum(['admin', 'member']).default('member') });
type UserIn = { name: string; role?: 'admin' | 'member' | undefined };
type UserOut = { name: string; role: 'admin' | 'member' };
declare const env: RootDatabase;

describe('zodCodec types tell the truth: writes take the input, reads give the output', () => {
  it('is a Codec<output, input>', () => {
    expectTypeOf(zodCodec(User)).toEqualTypeOf<Codec<z.output<typeof User>, z.input<typeof User>>>();
    expectTypeOf(zodCodec(User)).toEqualTypeOf<Codec<UserOut, UserIn>>();
  });

  it('through a database: put takes the input (a defaulted field may be left out), get returns the output', () => {
    const db = scopedDatabaseOptions(env).types(codecs.string(), zodCodec(User)).name('users').create();
    expectTypeOf(db).toEqualTypeOf<ScopedDatabase<string, UserOut, UserIn>>();
    db.putSync('t', 'ada', { name: 'Ada' });
    void db.put('t', 'bob', { name: 'Bob', role: 'admin' });
    db.scope('t').putSync('eve', { name: 'Eve' });
    // @ts-expect-error name must be a string
    db.putSync('t', 'x', { name: 1 });
    // @ts-expect-error role must be one of the enum
    void db.put('t', 'x', { name: 'x', role: 'owner' });
    // @ts-expect-error name has no default
    db.putSync('t', 'x', { role: 'admin' });
    expectTypeOf(db.get('t', 'ada')).toEqualTypeOf<UserOut | undefined>();
    expectTypeOf(db.scope('t').get('ada')).toEqualTypeOf<UserOut | undefined>();
    expectTypeOf(db.getMany('t', ['ada'])).resolves.toEqualTypeOf<(UserOut | undefined)[]>();
  });

  it('a transform: write its input, read its output', () => {
    const Len = z.object({ word: z.string().transform((s) => s.length) });
    const db = scopedDatabaseOptions(env).types(codecs.string(), zodCodec(Len)).name('lengths').create();
    db.putSync('t', 'k', { word: 'abc' });
    // @ts-expect-error the input is the string, not the number it becomes
    db.putSync('t', 'k', { word: 3 });
    expectTypeOf(db.get('t', 'k')).toEqualTypeOf<{ word: number } | undefined>();
  });

  it('zod mini schemas type the same way', () => {
    const Mini = zm.object({ name: zm.string(), role: zm._default(zm.enum(['admin', 'member']), 'member') });
    expectTypeOf(zodCodec(Mini)).toEqualTypeOf<Codec<UserOut, UserIn>>();
  });

  it('a zod 3 classic schema is not a zod 4 one (it goes through standardSchemaCodec)', () => {
    const Classic = zod3classic.object({ name: zod3classic.string(), role: zod3classic.enum(['admin', 'member']).default('member') });
    // @ts-expect-error zodCodec takes zod 4 schemas ($ZodType of zod/v4/core)
    zodCodec(Classic);
    expectTypeOf(standardSchemaCodec(Classic)).toEqualTypeOf<Codec<UserOut, UserIn>>();
  });
});

describe('standardSchemaCodec types', () => {
  it('infers the output and the input of any Standard Schema', () => {
    const Item = v.object({ sku: v.string(), qty: v.optional(v.number(), 1) });
    expectTypeOf(standardSchemaCodec(Item)).toEqualTypeOf<Codec<{ sku: string; qty: number }, { sku: string; qty?: number | undefined }>>();
    const db = scopedDatabaseOptions(env).types(codecs.string(), standardSchemaCodec(Item)).name('items').create();
    db.putSync('t', 'k', { sku: 'a' });
    // @ts-expect-error qty must be a number
    db.putSync('t', 'k', { sku: 'a', qty: '2' });
    expectTypeOf(db.get('t', 'k')).toEqualTypeOf<{ sku: string; qty: number } | undefined>();
  });

  it('zod schemas through Standard Schema keep both sides too', () => {
    expectTypeOf(standardSchemaCodec(User)).toEqualTypeOf<Codec<UserOut, UserIn>>();
  });
});
