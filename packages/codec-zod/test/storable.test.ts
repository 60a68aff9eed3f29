import { cbor } from '@scoped-lmdb/codec-cbor';
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { type Codec, codecs } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { storageFor } from '../src/storable.js';
import { sameValue } from './same-value.js';

class Point {
  constructor(readonly x: number) {}
}

/** Every kind of value a zod schema can output (through transforms, z.any(), z.custom() too). */
const values: Record<string, () => unknown> = {
  string: () => 'plain 租户 🙂',
  number: () => 1.5,
  'max safe integer': () => Number.MAX_SAFE_INTEGER,
  boolean: () => true,
  null: () => null,
  NaN: () => Number.NaN,
  Infinity: () => Number.POSITIVE_INFINITY,
  '-Infinity': () => Number.NEGATIVE_INFINITY,
  'small bigint': () => 12n,
  'bigint at -2^63': () => -(2n ** 63n),
  'bigint at 2^64-1': () => 2n ** 64n - 1n,
  'bigint at 2^64': () => 2n ** 64n,
  'bigint below -2^64': () => -(2n ** 64n),
  Date: () => new Date('2026-11-24T12:00:00.123Z'),
  'Date before 1970': () => new Date(-1e12),
  'invalid Date': () => new Date(Number.NaN),
  Map: () => new Map<unknown, unknown>([['a', 1]]),
  'Map with number and object keys': () =>
    new Map<unknown, unknown>([
      [1, 'one'],
      [{ k: 1 }, 'object'],
    ]),
  'Map holding a Set': () => new Map([['s', new Set([1])]]),
  Set: () => new Set(['a', 1]),
  'Set of Dates': () => new Set([new Date(1)]),
  Uint8Array: () => new Uint8Array([0, 1, 255]),
  'empty Uint8Array': () => new Uint8Array(0),
  Buffer: () => Buffer.from([1, 2]),
  Float64Array: () => new Float64Array([1.5]),
  BigInt64Array: () => new BigInt64Array([1n]),
  ArrayBuffer: () => new ArrayBuffer(2),
  DataView: () => new DataView(new ArrayBuffer(2)),
  RegExp: () => /a+/g,
  'class instance': () => new Point(1),
  'object without a prototype': () => Object.assign(Object.create(null), { a: 1 }),
  Error: () => new TypeError('x'),
  'undefined in an array': () => [1, undefined],
  'a hole in an array': () => {
    const holey = [1, 2, 3];
    delete holey[1];
    return holey;
  },
  'undefined as a property': () => ({ a: undefined, b: 1 }),
  'undefined as a Map value': () => new Map([['a', undefined]]),
  'symbol-keyed property': () => ({ [Symbol('s')]: 1, a: 2 }),
  symbol: () => Symbol('x'),
  function: () => () => 1,
  Promise: () => Promise.resolve(1),
  'Date deep inside': () => ({ list: [{ at: new Date(5) }] }),
  'bigint deep inside': () => ({ list: [{ n: 5n }] }),
  'plain nested data': () => ({ a: [1, 'two', { three: [null, true] }], b: {} }),
};

const inners: Record<'json' | 'msgpack' | 'cbor', Codec<unknown>> = { json: codecs.json(), msgpack: msgpack(), cbor: cbor() };

/**
 * Whether the codec really reads `value` back as it is (encode failing counts as no), decoding
 * from a plain Uint8Array as a database hands it out (from a Buffer, msgpackr and cbor-x would
 * return binary data as Buffers; the schema codecs always give them a plain view).
 */
function roundTrips(codec: Codec<unknown>, value: unknown): boolean {
  try {
    const bytes = codec.encode(value);
    return sameValue(codec.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), value);
  } catch {
    return false;
  }
}

describe.each(Object.entries(inners))('the storage rules for %s match what the codec does', (name, codec) => {
  const storage = storageFor(name);
  it.each(Object.keys(values))('%s', (label) => {
    const make = values[label] as () => unknown;
    // As a property of an object, as most values sit in a record.
    const found = storage?.check({ field: make() }, [], 'root');
    expect({ refused: found !== undefined, ...(found ? { why: found.why } : {}) }).toEqual({
      refused: !roundTrips(codec, { field: make() }),
      ...(found ? { why: expect.any(String) } : {}),
    });
    if (found) expect(found.path).toMatch(/^field/);
  });
});

describe('the two things no rule checks (documented in the README)', () => {
  it('-0 reads back as 0 with every inner codec', () => {
    for (const codec of Object.values(inners)) expect(Object.is(codec.decode(codec.encode(-0)), 0)).toBe(true);
  });
  it('a lone surrogate reads back as U+FFFD with msgpack and cbor; JSON keeps it', () => {
    expect(inners.json.decode(inners.json.encode('a\ud800'))).toBe('a\ud800');
    for (const codec of [inners.msgpack, inners.cbor]) expect(codec.decode(codec.encode('a\ud800'))).not.toBe('a\ud800');
  });
});

describe('storage problems name the place and the fix', () => {
  it('paths: properties, indexes, Map and Set entries', () => {
    const json = storageFor('json');
    expect(json?.check({ events: [{ at: 1 }, { at: new Date(0) }] }, [], 'root')).toEqual({
      path: 'events[1].at',
      what: 'a Date',
      why: 'which JSON cannot store',
      hint: 'pass { inner: cbor() } from @scoped-lmdb/codec-cbor',
    });
    expect(json?.check({ 'odd key': [undefined] }, [], 'root')).toMatchObject({ path: '["odd key"][0]', why: 'which JSON stores as null' });
    expect(json?.check(undefined, [], 'root')).toMatchObject({ path: '', why: 'which JSON cannot store' });
    expect(json?.check(undefined, ['x'], 'required')).toMatchObject({ path: 'x', why: 'which JSON drops, and the key is required' });
    expect(json?.check(undefined, ['x'], 'optional')).toBeUndefined();
    const mp = storageFor('msgpack');
    expect(mp?.check({ m: new Map([['k', new Set()]]) }, [], 'root')).toMatchObject({
      path: 'm.values()[0]',
      why: 'which msgpack reads back as an array',
    });
    expect(mp?.check({ raw: Buffer.from([1]) }, [], 'root')).toMatchObject({
      why: 'which msgpack reads back as a plain Uint8Array',
      hint: expect.stringContaining('new Uint8Array(bytes)'),
    });
    expect(mp?.check({ raw: new Uint8Array(1) }, [], 'root')).toBeUndefined();
    expect(storageFor('cbor')?.check({ p: new Point(1) }, [], 'root')).toMatchObject({
      what: 'a Point',
      hint: expect.stringContaining('change the schema'),
    });
    expect(storageFor('my-codec')).toBeUndefined();
  });

  it('a cyclic value is left to the codec (JSON refuses it with ENCODING itself)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(storageFor('json')?.check(cyclic, [], 'root')).toBeUndefined();
    expect(storageFor('cbor')?.check(cyclic, [], 'root')).toBeUndefined();
  });
});
