import { type Codec, isScopedDbError } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';

export interface CodecContractOptions<T> {
  /** Values that must survive encode → decode (compared with `toEqual`). */
  samples: readonly T[];
  /** Values the codec must refuse with `ENCODING` (or `VALIDATION` for schema codecs). */
  unencodable?: readonly unknown[];
  /** Byte strings the codec must refuse to decode with `ENCODING` (or `VALIDATION`). */
  corrupted?: readonly Uint8Array[];
  /** The expected `codec.name`. */
  name?: string;
  /** The code a refused value gets: `ENCODING` unless the codec validates. */
  refusalCode?: 'ENCODING' | 'VALIDATION';
  /** When the codec claims `ordered`: samples listed in ascending value order. */
  orderedSamples?: readonly T[];
}

/** Representative values most value codecs should round-trip (JSON-shaped ones only). */
export const jsonSamples: readonly unknown[] = [
  null,
  true,
  0,
  -1.5,
  2 ** 53 - 1,
  '',
  'plain',
  'unicode: 租户 🙂 é',
  'x'.repeat(100_000),
  [],
  [1, 'two', [3], { four: 4 }],
  { nested: { deeper: { list: [1, 2, 3], flag: false, empty: {} } } },
];

/** Values that need a richer format than JSON (msgpack, cbor). */
export const richSamples: readonly unknown[] = [
  new Date('2026-11-24T12:00:00.000Z'),
  new Map<unknown, unknown>([
    ['a', 1],
    ['b', { c: [2] }],
  ]),
  new Uint8Array([0, 1, 2, 254, 255]),
  { bytes: new Uint8Array([9, 8, 7]), when: new Date(0), big: 12345678901234567890n },
  -(2n ** 63n),
];

/**
 * The contract every scoped-lmdb codec keeps. Call it inside a vitest test file:
 *
 *   codecContractSuite(myCodec(), { name: 'mine', samples: [...], unencodable: [...] });
 */
export function codecContractSuite<T>(codec: Codec<T>, options: CodecContractOptions<T>): void {
  const refusal = options.refusalCode ?? 'ENCODING';
  describe(`codec contract: ${options.name ?? codec.name}`, () => {
    it('has a stable, non-empty name', () => {
      expect(typeof codec.name).toBe('string');
      expect(codec.name.length).toBeGreaterThan(0);
      if (options.name !== undefined) expect(codec.name).toBe(options.name);
      expect(codec.name).toBe(codec.name);
    });

    it('round-trips every sample', () => {
      for (const sample of options.samples) {
        const bytes = codec.encode(sample);
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(plain(codec.decode(bytes))).toEqual(plain(sample));
      }
    });

    it('returns bytes that a later encode does not overwrite', () => {
      const encoded = options.samples.map((sample) => codec.encode(sample));
      const snapshot = encoded.map((bytes) => Uint8Array.from(bytes));
      for (const sample of options.samples) codec.encode(sample);
      encoded.forEach((bytes, i) => {
        expect(Uint8Array.from(bytes)).toEqual(snapshot[i]);
      });
    });

    it('never keeps a reference to the bytes it decoded (LMDB reuses its buffer)', () => {
      for (const sample of options.samples) {
        // Decode from inside a larger buffer, as LMDB hands it out, then scribble over it.
        const bytes = codec.encode(sample);
        const shared = new Uint8Array(bytes.length + 16);
        shared.set(bytes, 8);
        const decoded = codec.decode(shared.subarray(8, 8 + bytes.length));
        shared.fill(0xa5);
        expect(plain(decoded)).toEqual(plain(sample));
      }
    });

    if (options.unencodable?.length) {
      it(`refuses values it cannot encode with ${refusal}`, () => {
        for (const value of options.unencodable ?? []) {
          let error: unknown;
          try {
            codec.encode(value as T);
          } catch (caught) {
            error = caught;
          }
          expect(isScopedDbError(error, refusal), `encode(${describeValue(value)}) should throw ${refusal}`).toBe(true);
        }
      });
    }

    if (options.corrupted?.length) {
      it(`refuses corrupted bytes with ${refusal} or ENCODING`, () => {
        for (const bytes of options.corrupted ?? []) {
          let error: unknown;
          try {
            codec.decode(bytes);
          } catch (caught) {
            error = caught;
          }
          expect(
            isScopedDbError(error) && (error.code === 'ENCODING' || error.code === refusal),
            `decode(${Array.from(bytes)}) should throw`,
          ).toBe(true);
        }
      });
    }

    if (codec.ordered && options.orderedSamples?.length) {
      it('orders bytes like values (it claims `ordered`)', () => {
        const encoded = (options.orderedSamples ?? []).map((sample) => Buffer.from(codec.encode(sample)));
        for (let i = 1; i < encoded.length; i++) {
          expect(Buffer.compare(encoded[i - 1] as Buffer, encoded[i] as Buffer)).toBe(-1);
        }
      });
    }
  });
}

/** Compares bytes as bytes: a Buffer and a Uint8Array with the same content are equal. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [plain(k), plain(v)]));
  if (value instanceof Set) return new Set([...value].map(plain));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
