import type { Codec } from '@scoped-lmdb/core';
import { describe, it } from 'vitest';
import {
  checkDecodeCopies,
  checkEncodedBytesKept,
  checkName,
  checkOrder,
  checkRefusesBytes,
  checkRefusesValues,
  checkRoundTrip,
  corruptedBytesCodes,
  type RefusalCode,
} from './checks.js';

export type { RefusalCode };

/** What `codecContractSuite` checks a codec with. */
export interface CodecContractOptions<T> {
  /**
   * Values that must survive encode → decode (compared with `toEqual`; bytes compare by
   * content whatever their Uint8Array subclass). Give at least two that encode differently:
   * that is how a codec that overwrites its earlier results gets caught.
   */
  samples: readonly T[];
  /** Values the codec must refuse with `ENCODING` (or `VALIDATION` for schema codecs). */
  unencodable?: readonly unknown[];
  /** Byte strings the codec must refuse to decode with `ENCODING` (or `VALIDATION`). */
  corrupted?: readonly Uint8Array[];
  /** The expected `codec.name`. */
  name?: string;
  /** The code a refused value gets: `ENCODING` unless the codec validates. */
  refusalCode?: RefusalCode;
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
 * Registers the contract every scoped-lmdb codec keeps as vitest tests. Call it at the top
 * level (or inside a `describe`) of a test file:
 *
 *   codecContractSuite(myCodec(), { name: 'mine', samples: [...], unencodable: [...], corrupted: [...] });
 */
export function codecContractSuite<T>(codec: Codec<T>, options: CodecContractOptions<T>): void {
  const subject = codec as Codec<unknown>;
  const refusal = options.refusalCode ?? 'ENCODING';
  const { samples, unencodable = [], corrupted = [], orderedSamples = [] } = options;
  describe(`codec contract: ${options.name ?? codec.name}`, () => {
    it('has a non-empty name that using the codec does not change', () => checkName(subject, samples, options.name));
    it('round-trips every sample', () => checkRoundTrip(subject, samples));
    it('returns bytes that later encodes leave intact (lmdb-js reads them at commit)', () => checkEncodedBytesKept(subject, samples));
    it('decodes into values that share no memory with the input bytes', () => checkDecodeCopies(subject, samples));
    if (unencodable.length > 0) {
      it(`refuses values it cannot encode with ${refusal}`, () => checkRefusesValues(subject, unencodable, refusal));
    }
    if (corrupted.length > 0) {
      it(`refuses corrupted bytes with ${corruptedBytesCodes(refusal).join(' or ')}`, () => checkRefusesBytes(subject, corrupted, refusal));
    }
    if (codec.ordered) {
      it('orders bytes like values (it claims `ordered`)', () => {
        if (orderedSamples.length < 2) throw new Error('an ordered codec needs `orderedSamples`: at least two, ascending');
        checkOrder(subject, orderedSamples);
      });
    }
  });
}
