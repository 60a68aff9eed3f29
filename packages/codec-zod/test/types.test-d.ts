import { type Codec, codecs, type ScopedDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import type { RootDatabase } from 'lmdb';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { standardSchemaCodec, zodCodec } from '../src/index.js';

const User = z.object({ name: z.string(), role: z.enum(['admin', 'member']).default('member') });
declare const env: RootDatabase;

describe('schema codec types', () => {
  it('zodCodec(User) is a Codec of the schema output, and the database follows', () => {
    expectTypeOf(zodCodec(User)).toEqualTypeOf<Codec<z.output<typeof User>>>();
    const db = scopedDatabaseOptions(env).types(codecs.string(), zodCodec(User)).name('users').create();
    expectTypeOf(db).toEqualTypeOf<ScopedDatabase<string, { name: string; role: 'admin' | 'member' }>>();
  });

  it('standardSchemaCodec infers the output of any Standard Schema', () => {
    const Item = v.object({ sku: v.string(), qty: v.number() });
    expectTypeOf(standardSchemaCodec(Item)).toEqualTypeOf<Codec<{ sku: string; qty: number }>>();
  });
});
