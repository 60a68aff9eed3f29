import { cbor } from '@scoped-lmdb/codec-cbor';
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { codecs, isScopedDbError, type ScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { codecContractSuite } from '@scoped-lmdb/test-suite/codec';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { standardSchemaCodec, zodCodec } from '../src/index.js';
import { type Storage, storageFor } from '../src/storable.js';
import { plan } from '../src/walk.js';
import { tempEnv } from './helpers.js';

const User = z.object({
  name: z.string().min(1),
  age: z.number().int().nonnegative(),
  role: z.enum(['admin', 'member']).default('member'),
});
const ValibotUser = v.object({ name: v.pipe(v.string(), v.minLength(1)), age: v.pipe(v.number(), v.integer(), v.minValue(0)) });

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

codecContractSuite(zodCodec(User), {
  name: 'zod(json)',
  refusalCode: 'VALIDATION',
  samples: [
    { name: 'Ada', age: 36, role: 'admin' },
    { name: '租户 🙂', age: 0, role: 'member' },
  ],
  unencodable: [{ name: '', age: 1 }, { name: 'x', age: -1 }, 'not an object', null, { age: 3 }],
  corrupted: [new Uint8Array([0x7b])],
});

codecContractSuite(zodCodec(User, { inner: msgpack(), validateOnRead: true }), {
  name: 'zod(msgpack)',
  refusalCode: 'VALIDATION',
  samples: [{ name: 'Grace', age: 85, role: 'member' }],
  unencodable: [{ name: 'Grace' }],
  corrupted: [msgpack().encode({ name: 'no age' }), new Uint8Array([0x92, 0x01])],
});

// Rich values: cbor stores what JSON cannot, and what is read equals what was validated.
const Event = z.object({
  at: z.date(),
  tags: z.map(z.string(), z.number()),
  seen: z.set(z.string()).optional(),
  big: z.bigint().default(0n),
});
codecContractSuite(zodCodec(Event, { inner: cbor(), validateOnRead: true }), {
  name: 'zod(cbor)',
  refusalCode: 'VALIDATION',
  samples: [
    { at: new Date('2026-11-24T12:00:00.000Z'), tags: new Map([['a', 1]]), big: 12345678901234567890123n },
    { at: new Date(0), tags: new Map(), seen: new Set(['x', 'y']), big: -1n },
  ],
  unencodable: [
    { at: '2026-11-24', tags: new Map() },
    { at: new Date(0), tags: { a: 1 } },
    { at: new Date(Number.NaN), tags: new Map() },
  ],
  corrupted: [new Uint8Array([0xff]), cbor().encode({ at: 'not a date', tags: new Map() })],
});

codecContractSuite(standardSchemaCodec(ValibotUser), {
  name: 'standard(json)',
  refusalCode: 'VALIDATION',
  samples: [{ name: 'Linus', age: 56 }],
  unencodable: [{ name: 'Linus', age: 1.5 }, {}],
});

function catchError(run: () => unknown): ScopedDbError {
  try {
    run();
  } catch (error) {
    if (isScopedDbError(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('zodCodec', () => {
  it('wraps the inner codec name', () => {
    expect(zodCodec(User, { inner: cbor() }).name).toBe('zod(cbor)');
    expect(standardSchemaCodec(ValibotUser, { inner: msgpack() }).name).toBe('standard(msgpack)');
  });

  it('refuses things that are not schemas', () => {
    expect(() => zodCodec({} as never)).toThrow(code('INVALID_INPUT'));
    expect(() => zodCodec(null as never)).toThrow(code('INVALID_INPUT'));
    expect(() => standardSchemaCodec({} as never)).toThrow(code('INVALID_INPUT'));
  });

  it('the issue 12 case: a Date with the default JSON inner is refused up front, naming the field', () => {
    const Log = z.object({ events: z.array(z.object({ at: z.date(), what: z.string() })) });
    expect(() => zodCodec(Log)).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message:
          'zodCodec: field "events[].at" outputs a Date, which JSON cannot store; pass { inner: cbor() } from @scoped-lmdb/codec-cbor',
      }),
    );
  });

  it('plain schemas get no per-write check; only the dynamic parts are looked at', () => {
    const json = storageFor('json') as Storage;
    const Plain = z.object({
      a: z.string(),
      n: z.number().optional(),
      list: z.array(z.object({ b: z.boolean() })),
      r: z.record(z.string(), z.int()),
    });
    expect(plan(Plain as never, json).check).toBeUndefined();
    expect(plan(z.json() as never, json).check).toBeUndefined(); // recursive, and still nothing to check
    // With a dynamic part, the check walks down to it and looks at nothing else.
    const Mixed = z.object({ a: z.string(), list: z.array(z.object({ b: z.boolean(), meta: z.unknown() })) });
    const check = plan(Mixed as never, json).check;
    expect(check?.({ a: 'x', list: [{ b: true, meta: 1 }] }, [])).toBeUndefined();
    expect(
      check?.(
        {
          a: 'x',
          list: [
            { b: true, meta: 1 },
            { b: false, meta: 1n },
          ],
        },
        [],
      ),
    ).toMatchObject({ path: 'list[1].meta', what: 'a bigint' });
    // msgpack: bigint fields are checked (64 bits), and nothing else.
    const msgpackStorage = storageFor('msgpack') as Storage;
    expect(
      plan(z.object({ at: z.date(), n: z.bigint() }) as never, msgpackStorage).check?.({ at: new Date(), n: 2n ** 64n }, []),
    ).toMatchObject({
      path: 'n',
      what: 'a bigint',
      why: 'which msgpack cannot store (64 bits at most)',
    });
    expect(plan(z.object({ at: z.date() }) as never, msgpackStorage).check).toBeUndefined();
  });
});

describe('standardSchemaCodec', () => {
  it('works with any Standard Schema validator (valibot here, zod too)', () => {
    expect(standardSchemaCodec(ValibotUser).decode(standardSchemaCodec(ValibotUser).encode({ name: 'a', age: 1 }))).toEqual({
      name: 'a',
      age: 1,
    });
    const viaStandard = standardSchemaCodec(User);
    expect(JSON.parse(Buffer.from(viaStandard.encode({ name: 'b', age: 2 } as never)).toString())).toEqual({
      name: 'b',
      age: 2,
      role: 'member',
    });
    const error = catchError(() => standardSchemaCodec(ValibotUser).encode({ name: '', age: 1 }));
    expect(error.code).toBe('VALIDATION');
    expect(error.issues?.length).toBeGreaterThan(0);
  });

  it('an opaque validator (valibot) is checked per write against the inner codec; round-trips with cbor', () => {
    const Event = v.object({ at: v.date(), n: v.optional(v.bigint()) });
    const json = standardSchemaCodec(Event);
    expect(() => json.encode({ at: new Date(0) })).toThrow(
      expect.objectContaining({
        code: 'ENCODING',
        message:
          'standardSchemaCodec: field "at" holds a Date, which JSON cannot store; pass { inner: cbor() } from @scoped-lmdb/codec-cbor',
      }),
    );
    const events = scopedDatabaseOptions(tempEnv())
      .types(codecs.string(), standardSchemaCodec(Event, { inner: cbor(), validateOnRead: true }))
      .name('events')
      .create();
    events.putSync('t', 'e', { at: new Date(7), n: 2n ** 80n });
    expect(events.get('t', 'e')).toEqual({ at: new Date(7), n: 2n ** 80n });
    // An inner codec this package does not know is trusted: nothing is checked.
    const custom = { name: 'mine', encode: codecs.json().encode, decode: codecs.json().decode };
    expect(
      typeof standardSchemaCodec(Event, { inner: custom }).decode(standardSchemaCodec(Event, { inner: custom }).encode({ at: new Date(0) }))
        .at,
    ).toBe('string');
  });

  it('a zod 4 schema through standardSchemaCodec is walked like zodCodec does: refused up front', () => {
    expect(() => standardSchemaCodec(z.object({ at: z.date() }))).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('standardSchemaCodec: field "at" outputs a Date'),
      }),
    );
  });

  it('refuses a validator that returns a Promise with INVALID_INPUT', () => {
    const asyncSchema = v.objectAsync({
      name: v.pipeAsync(
        v.string(),
        v.checkAsync(async () => true),
      ),
    });
    expect(() => standardSchemaCodec(asyncSchema).encode({ name: 'a' })).toThrow(code('INVALID_INPUT'));
  });

  it('a validator that throws is VALIDATION; one that returns a non-Promise thenable is INVALID_INPUT', () => {
    const standard = (validate: (value: unknown) => unknown) =>
      ({ '~standard': { version: 1, vendor: 'test', validate } }) as unknown as StandardSchemaV1<unknown>;
    const throwing = standard(() => {
      throw new Error('the validator broke');
    });
    const thrown = catchError(() => standardSchemaCodec(throwing).encode({}));
    expect(thrown.code).toBe('VALIDATION');
    expect((thrown.cause as Error).message).toBe('the validator broke');
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is no Promise is the point of this test
    const thenable = standard(() => ({ then: (resolve: (r: unknown) => void) => resolve({ value: 1 }) }));
    expect(() => standardSchemaCodec(thenable).encode({})).toThrow(code('INVALID_INPUT'));
  });
});

describe('in a scoped database: invalid values write nothing', () => {
  const setup = () => {
    const env = tempEnv();
    const users = scopedDatabaseOptions(env).types(codecs.string(), zodCodec(User)).name('users').create();
    users.putSync('tenant-a', 'ada', { name: 'Ada', age: 36, role: 'admin' });
    return users;
  };

  it('putSync and put reject and leave the store as it was', async () => {
    const users = setup();
    expect(() => users.putSync('tenant-a', 'ada', { name: '', age: 36, role: 'admin' })).toThrow(code('VALIDATION'));
    await expect(users.put('tenant-a', 'bad', { name: 'x', age: -3, role: 'member' })).rejects.toEqual(code('VALIDATION'));
    expect(users.get('tenant-a', 'ada')).toEqual({ name: 'Ada', age: 36, role: 'admin' });
    expect(users.get('tenant-a', 'bad')).toBeUndefined();
    expect(users.getCount('tenant-a')).toBe(1);
  });

  it('inside transactionSync the throw rolls back the whole transaction', () => {
    const users = setup();
    expect(() =>
      users.transactionSync(() => {
        users.putSync('tenant-a', 'grace', { name: 'Grace', age: 85, role: 'member' });
        users.putSync('tenant-b', 'linus', { name: 'Linus', age: 56, role: 'member' });
        users.putSync('tenant-a', 'bad', { name: '', age: 1, role: 'member' });
      }),
    ).toThrow(code('VALIDATION'));
    expect(users.get('tenant-a', 'grace')).toBeUndefined();
    expect(users.isScopeEmpty('tenant-b')).toBe(true);
    expect(users.getCount('tenant-a')).toBe(1);
    users.putSync('tenant-a', 'grace', { name: 'Grace', age: 85, role: 'member' });
    expect(users.getCount('tenant-a')).toBe(2);
  });
});
