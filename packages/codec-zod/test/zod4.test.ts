import { cbor } from '@scoped-lmdb/codec-cbor';
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { zodCodec } from '../src/index.js';
import { tempEnv } from './helpers.js';
import { roundTripTable } from './round-trip-table.js';
import { validationSuite } from './validation-suite.js';

validationSuite(z, 'zod 4');
roundTripTable(z, 'zod 4', 4);

describe('zod 4 mini', () => {
  const User = zm.object({ name: zm.string().check(zm.minLength(1)), role: zm._default(zm.enum(['admin', 'member']), 'member') });

  it('validates, fills defaults and goes through a database', () => {
    const users = scopedDatabaseOptions(tempEnv())
      .types(codecs.string(), zodCodec(User, { validateOnRead: true }))
      .name('users')
      .create();
    users.putSync('t', 'ada', { name: 'Ada' });
    expect(users.get('t', 'ada')).toEqual({ name: 'Ada', role: 'member' });
    expect(() => users.putSync('t', 'x', { name: '' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });

  it('is walked like classic: a Date is refused with JSON and round-trips with cbor', () => {
    const Event = zm.object({ events: zm.array(zm.object({ at: zm.date() })) });
    expect(() => zodCodec(Event)).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message:
          'zodCodec: field "events[].at" outputs a Date, which JSON cannot store; pass { inner: cbor() } from @scoped-lmdb/codec-cbor',
      }),
    );
    const codec = zodCodec(Event, { inner: cbor() });
    expect(codec.decode(codec.encode({ events: [{ at: new Date(1) }] })).events[0]?.at).toEqual(new Date(1));
  });
});

describe('values at the root, not in a field', () => {
  it('a Date schema is refused with JSON, naming the value itself', () => {
    expect(() => zodCodec(z.date())).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('zodCodec: the value outputs a Date') }),
    );
  });

  it('an optional value is refused with JSON (undefined has no JSON form), fine with msgpack and cbor', async () => {
    const { msgpack } = await import('@scoped-lmdb/codec-msgpack');
    expect(() => zodCodec(z.string().optional())).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('the value may output undefined, which JSON cannot store'),
      }),
    );
    for (const inner of [msgpack(), cbor()]) {
      const codec = zodCodec(z.string().optional(), { inner });
      expect(codec.decode(codec.encode(undefined))).toBeUndefined();
    }
  });

  it('z.unknown() at the root checks each value on write', () => {
    const codec = zodCodec(z.unknown());
    expect(codec.decode(codec.encode({ a: 1 }))).toEqual({ a: 1 });
    expect(() => codec.encode(new Map())).toThrow(
      expect.objectContaining({
        code: 'ENCODING',
        message: expect.stringContaining('zodCodec: the value holds a Map, which JSON cannot store'),
      }),
    );
  });
});

describe('an inner codec this package does not know is trusted', () => {
  it('no construction refusal and no per-write check: round-tripping is its job', () => {
    const json = codecs.json();
    const custom = { name: 'my-json', encode: json.encode, decode: json.decode };
    const codec = zodCodec(z.object({ at: z.date() }), { inner: custom });
    expect(codec.name).toBe('zod(my-json)');
    expect(typeof codec.decode(codec.encode({ at: new Date(0) })).at).toBe('string');
  });

  it('validateOnRead with a transform is still refused (that is about the schema, not the codec)', () => {
    const custom = { name: 'mine', encode: codecs.json().encode, decode: codecs.json().decode };
    expect(() => zodCodec(z.object({ n: z.string().transform((s) => s.length) }), { inner: custom, validateOnRead: true })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('field "n" transforms its input') }),
    );
  });
});
