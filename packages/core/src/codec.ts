import { readKey, writeKey } from 'ordered-binary';
import { describeValue, ScopedDbError, wrapError } from './errors.js';

/**
 * Turns values into bytes and back. A plain object literal is a codec: no registration.
 * `name` is stored when a database is created; reopening with another name fails.
 */
export interface Codec<T, TIn = T> {
  /** Stored with the database; a reopen with a codec of another name is `CODEC_MISMATCH`. */
  readonly name: string;
  /** The returned bytes belong to the caller: lmdb-js may read them after `put` returns. */
  encode(value: TIn): Uint8Array;
  /** `bytes` may be LMDB's reused buffer: never keep a reference to it. */
  decode(bytes: Uint8Array): T;
  /** True when the byte order of `encode()` follows value order (key codecs). */
  readonly ordered?: boolean;
  /**
   * Optional fast path for keys: write the encoding into `target` at `offset` and
   * return the end offset (a result past `target.length` means it did not fit).
   */
  encodeInto?(value: TIn, target: Uint8Array, offset: number): number;
}

/** The type a codec decodes to (what reads return). */
export type CodecValue<C> = C extends Codec<infer T, infer _TIn> ? T : never;
/** The type a codec encodes (what writes take); the same as `CodecValue` unless the codec says otherwise. */
export type CodecInput<C> = C extends Codec<infer _T, infer TIn> ? TIn : never;

const uint8Slice = Uint8Array.prototype.slice;

/** For codec authors: report a codec failure as `ENCODING`, keeping the original as `cause`. */
export function encodingError(codec: string, action: 'encode' | 'decode', cause: unknown): ScopedDbError {
  return wrapError(cause, 'ENCODING', `codec "${codec}" could not ${action}`);
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(codec: string, bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw encodingError(codec, 'decode', error);
  }
}

function checkBytes(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw encodingError('bytes', 'encode', new TypeError(`expected a Uint8Array, got ${describeValue(value)}`));
}

/**
 * The built-in bytes codecs. Where lmdb-js already hands out a fresh copy (range keys and
 * values), a database may skip their decode copy. Internal: not part of the public surface.
 */
export const plainBytesCodecs = new WeakSet<Codec<Uint8Array>>();

function bytes(): Codec<Uint8Array> {
  const codec: Codec<Uint8Array> = {
    name: 'bytes',
    ordered: true,
    encode(value) {
      checkBytes(value);
      return value;
    },
    // A copy: `data` may be LMDB's reused buffer. (Buffer#slice would be a view, hence the prototype call.)
    decode: (data) => uint8Slice.call(data),
    encodeInto(value, target, offset) {
      checkBytes(value);
      const length = value.length;
      const end = offset + length;
      if (end > target.length) return end;
      // Keys are short: a loop beats TypedArray#set's call overhead below a few dozen bytes.
      if (length <= 32) for (let i = 0; i < length; i++) target[offset + i] = value[i] as number;
      else target.set(value, offset);
      return end;
    },
  };
  plainBytesCodecs.add(codec);
  return codec;
}

function string(): Codec<string> {
  const check = (value: unknown): value is string => {
    if (typeof value !== 'string') throw encodingError('string', 'encode', new TypeError(`expected a string, got ${describeValue(value)}`));
    if (!value.isWellFormed()) throw encodingError('string', 'encode', new TypeError('the string has a lone surrogate (no UTF-8 form)'));
    return true;
  };
  return {
    name: 'string',
    ordered: true,
    encode(value) {
      check(value);
      return utf8.encode(value);
    },
    decode: (data) => decodeUtf8('string', data),
    encodeInto(value, target, offset) {
      check(value);
      const { read, written } = utf8.encodeInto(value, target.subarray(offset));
      // Did not fit: report a length past the end so the caller raises KEY_TOO_LARGE.
      return read < value.length ? target.length + 1 : offset + written;
    },
  };
}

function json<T = unknown>(): Codec<T> {
  return {
    name: 'json',
    encode(value) {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (error) {
        throw encodingError('json', 'encode', error);
      }
      if (text === undefined) throw encodingError('json', 'encode', new TypeError(`${describeValue(value)} has no JSON form`));
      return utf8.encode(text);
    },
    decode(data) {
      const text = decodeUtf8('json', data);
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw encodingError('json', 'decode', error);
      }
    },
  };
}

/** What lmdb-js accepts as a key with its default (ordered-binary) key encoding. */
export type OrderedKey = string | number | boolean | bigint | null | readonly OrderedKey[];

function checkOrderedKey(value: unknown, depth = 0): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return;
    case 'number':
      if (Number.isNaN(value)) throw new TypeError('NaN has no place in key order');
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value) && depth === 0) {
        for (const part of value) checkOrderedKey(part, 1);
        return;
      }
  }
  throw new TypeError(`a key must be a string, number, boolean, bigint, null or a flat array of those, got ${describeValue(value)}`);
}

const KEY_SCRATCH_BYTES = 4096;

function key<T extends OrderedKey = OrderedKey>(): Codec<T> {
  // ordered-binary attaches a DataView to the buffer it writes into; keep one per codec.
  let scratch = new Uint8Array(KEY_SCRATCH_BYTES);
  const encodeInto = (value: T, target: Uint8Array, offset: number): number => {
    try {
      checkOrderedKey(value);
      return writeKey(value as never, target, offset);
    } catch (error) {
      // A typed array ignores writes past its end; a RangeError means the same: it did not fit.
      if (error instanceof RangeError) return target.length + 1;
      throw encodingError('ordered-binary', 'encode', error);
    }
  };
  return {
    name: 'ordered-binary',
    ordered: true,
    encodeInto,
    encode(value) {
      let end = encodeInto(value, scratch, 0);
      while (end > scratch.length) {
        scratch = new Uint8Array(scratch.length * 4);
        end = encodeInto(value, scratch, 0);
      }
      return scratch.slice(0, end);
    },
    decode(data) {
      if (data.length === 0) throw encodingError('ordered-binary', 'decode', new RangeError('no bytes to decode'));
      try {
        return readKey(data, 0, data.length) as T;
      } catch (error) {
        throw encodingError('ordered-binary', 'decode', error);
      }
    },
  };
}

/** Built-in codecs. `bytes`, `string` and `key` are ordered (fit for keys); `json` is for values. */
/** The built-in codecs; each call returns a codec object. */
export const codecs: Readonly<{
  /** `Uint8Array` as it is (ordered); decode returns a copy. */
  bytes: typeof bytes;
  /** UTF-8 text (ordered: byte order is code point order); invalid UTF-8 is `ENCODING`. */
  string: typeof string;
  /** `JSON.stringify` / `JSON.parse` as UTF-8 (not ordered); values JSON cannot hold are `ENCODING`. */
  json: typeof json;
  /** ordered-binary, lmdb-js's own key encoding: strings, numbers, booleans and arrays of them, in value order. */
  key: typeof key;
}> = Object.freeze({ bytes, string, json, key });

/** Checks a codec's shape once, where it is handed to us: `{ name, encode, decode }`. */
export function checkCodec<T, TIn>(codec: Codec<T, TIn>, role: string): Codec<T, TIn> {
  if (
    codec === null ||
    typeof codec !== 'object' ||
    typeof codec.name !== 'string' ||
    codec.name === '' ||
    typeof codec.encode !== 'function' ||
    typeof codec.decode !== 'function'
  ) {
    throw new ScopedDbError('INVALID_INPUT', `the ${role} codec must be { name, encode, decode }, got ${describeValue(codec)}`);
  }
  return codec;
}

/** Encodes with `codec`; any failure, or a result that is not bytes, is `ENCODING`. */
export function encodeWith<TIn>(codec: Codec<unknown, TIn>, value: TIn): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = codec.encode(value);
  } catch (error) {
    throw encodingError(codec.name, 'encode', error);
  }
  if (!(bytes instanceof Uint8Array)) {
    throw encodingError(codec.name, 'encode', new TypeError(`encode returned ${describeValue(bytes)}, not a Uint8Array`));
  }
  return bytes;
}

/** Decodes with `codec`; any failure is `ENCODING` (callers add which database, scope and key). */
export function decodeWith<T>(codec: Codec<T, never>, bytes: Uint8Array): T {
  try {
    return codec.decode(bytes);
  } catch (error) {
    throw encodingError(codec.name, 'decode', error);
  }
}

/**
 * For codec authors: a codec from its parts, checked once, whose failures are `ENCODING`
 * (our own errors, such as a schema's `VALIDATION`, pass through as they are).
 */
export function defineCodec<T, TIn = T>(spec: Codec<T, TIn>): Codec<T, TIn> {
  checkCodec(spec, 'defined');
  const codec: Codec<T, TIn> = {
    ...spec,
    encode: (value) => encodeWith(spec, value),
    decode: (bytes) => decodeWith(spec as Codec<T, never>, bytes),
  };
  return Object.freeze(codec);
}
