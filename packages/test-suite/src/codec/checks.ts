import type { Codec } from '@scoped-lmdb/core';
import { expect } from 'vitest';

/** The codes a codec may refuse with: `ENCODING`, or `VALIDATION` for schema codecs. */
export type RefusalCode = 'ENCODING' | 'VALIDATION';

export function checkName(codec: Codec<unknown>, samples: readonly unknown[], expected?: string): void {
  const before = codec.name;
  expect(typeof before, 'codec.name must be a string').toBe('string');
  expect(before.length, 'codec.name must not be empty').toBeGreaterThan(0);
  if (expected !== undefined) expect(before).toBe(expected);
  // The name is stored when a database is created and compared at every reopen: using the codec must not change it.
  for (const sample of samples) codec.decode(codec.encode(sample));
  expect(codec.name, 'codec.name changed after encode/decode').toBe(before);
}

export function checkRoundTrip(codec: Codec<unknown>, samples: readonly unknown[]): void {
  for (const sample of samples) {
    const bytes = codec.encode(sample);
    expect(bytes, `encode(${describeValue(sample)}) must return a Uint8Array`).toBeInstanceOf(Uint8Array);
    expect(comparable(codec.decode(bytes)), `round trip of ${describeValue(sample)}`).toEqual(comparable(sample));
  }
}

/** lmdb-js reads the bytes of an async put when it commits, after later encodes have run. */
export function checkEncodedBytesKept(codec: Codec<unknown>, samples: readonly unknown[]): void {
  const kept = samples.map((sample) => {
    const bytes = codec.encode(sample);
    return { sample, bytes, copy: Uint8Array.from(bytes) };
  });
  for (const sample of [...samples].reverse()) codec.encode(sample);
  for (const { sample, bytes, copy } of kept) {
    expect(Uint8Array.from(bytes), `the bytes of ${describeValue(sample)} changed under a later encode`).toEqual(copy);
  }
}

/**
 * LMDB hands `decode` a window into a buffer it reuses; Redis hands it a Node `Buffer` that
 * is a window into a network buffer. Decode from both, at an odd offset, then scribble over
 * the whole underlying memory: the decoded value must not change.
 */
export function checkDecodeCopies(codec: Codec<unknown>, samples: readonly unknown[]): void {
  const offset = 3;
  for (const sample of samples) {
    const bytes = codec.encode(sample);
    for (const kind of ['Uint8Array', 'Buffer'] as const) {
      const memory = new ArrayBuffer(bytes.length + offset + 5);
      const window = kind === 'Buffer' ? Buffer.from(memory, offset, bytes.length) : new Uint8Array(memory, offset, bytes.length);
      window.set(bytes);
      const decoded = codec.decode(window);
      new Uint8Array(memory).fill(0xa5);
      expect(comparable(decoded), `decode from a ${kind} window, for ${describeValue(sample)}`).toEqual(comparable(sample));
    }
  }
}

export function checkRefusesValues(codec: Codec<unknown>, values: readonly unknown[], code: RefusalCode): void {
  for (const value of values) {
    expectRefusal(() => codec.encode(value), [code], `encode(${describeValue(value)})`);
  }
}

/** Corrupted bytes may fail as bytes (`ENCODING`) or, for a schema codec, as a value. */
export function corruptedBytesCodes(code: RefusalCode): RefusalCode[] {
  return code === 'ENCODING' ? ['ENCODING'] : ['ENCODING', code];
}

export function checkRefusesBytes(codec: Codec<unknown>, corrupted: readonly Uint8Array[], code: RefusalCode): void {
  const codes = corruptedBytesCodes(code);
  for (const bytes of corrupted) {
    expectRefusal(() => codec.decode(bytes), codes, `decode([${Array.from(bytes.subarray(0, 16))}${bytes.length > 16 ? ', …' : ''}])`);
  }
}

/** Ranges rely on it: for an `ordered` codec, byte order must be value order. */
export function checkOrder(codec: Codec<unknown>, ascending: readonly unknown[]): void {
  const encoded = ascending.map((value) => Buffer.from(codec.encode(value)));
  for (let i = 1; i < encoded.length; i++) {
    const [low, high] = [encoded[i - 1] as Buffer, encoded[i] as Buffer];
    expect(Buffer.compare(low, high), `${describeValue(ascending[i - 1])} must encode below ${describeValue(ascending[i])}`).toBe(-1);
  }
}

function expectRefusal(run: () => unknown, codes: readonly RefusalCode[], what: string): void {
  let error: unknown;
  let threw = false;
  try {
    run();
  } catch (caught) {
    threw = true;
    error = caught;
  }
  expect(threw, `${what} should throw ${codes.join(' or ')}`).toBe(true);
  // Checked by shape, not `instanceof`: the codec under test may carry its own copy of core.
  const shaped = error as { name?: unknown; code?: unknown; issues?: unknown } | undefined;
  expect(error, `${what} threw something other than a ScopedDbError`).toBeInstanceOf(Error);
  expect(shaped?.name, `${what} threw ${String(error)}, not a ScopedDbError`).toBe('ScopedDbError');
  expect(codes, `${what} threw code ${String(shaped?.code)}`).toContain(shaped?.code);
  if (shaped?.code === 'VALIDATION') {
    expect(Array.isArray(shaped.issues) && shaped.issues.length > 0, `${what}: VALIDATION must list its issues`).toBe(true);
  }
}

/** Bytes compare as bytes: a Buffer and a Uint8Array with the same content are equal. */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(comparable);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [comparable(k), comparable(v)]));
  if (value instanceof Set) return new Set([...value].map(comparable));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'string' && value.length > 40) return JSON.stringify(`${value.slice(0, 40)}…`);
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
