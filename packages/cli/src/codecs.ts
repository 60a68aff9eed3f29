/**
 * Stored codec names to codecs, for display and for keys typed on a command line. A database's
 * meta record stores only its codecs' names, so this knows the built-in ones (`bytes`, `string`,
 * `json`, `ordered-binary`), `msgpack` and `cbor` (with their packages' default options), and
 * the schema codecs' wrappers `zod(inner)` / `standard(inner)`, decoded with their inner codec
 * (the schema is not stored, and reading needs none). Any other name is shown as raw hex.
 */
import { inspect } from 'node:util';
import { cbor } from '@scoped-lmdb/codec-cbor';
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { type Codec, codecs, ScopedDbError } from '@scoped-lmdb/core';
import type { Shown } from './service.js';

const known: Record<string, () => Codec<unknown>> = {
  bytes: () => codecs.bytes() as Codec<unknown>,
  string: () => codecs.string() as Codec<unknown>,
  json: () => codecs.json(),
  'ordered-binary': () => codecs.key() as Codec<unknown>,
  msgpack: () => msgpack(),
  cbor: () => cbor(),
};

const cache = new Map<string, Codec<unknown> | undefined>();

/** The codec that reads what a codec stored under `name` wrote, or undefined when this tool does not know it. */
export function codecForName(name: string): Codec<unknown> | undefined {
  if (cache.has(name)) return cache.get(name);
  const wrapped = /^(?:zod|standard)\((.+)\)$/.exec(name);
  const codec = wrapped ? codecForName(wrapped[1] as string) : known[name]?.();
  cache.set(name, codec);
  return codec;
}

/**
 * A codec that hands stored bytes through unchanged but carries `name`: opening a database with
 * it passes the stored-name check, and every read returns the stored bytes (decoded here, for display).
 */
export function passThrough(name: string): Codec<Uint8Array> {
  return { name, encode: (bytes: Uint8Array) => bytes, decode: (bytes: Uint8Array) => new Uint8Array(bytes) };
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function fromHex(text: string, what: string): Uint8Array {
  const hex = text.startsWith('0x') ? text.slice(2) : text;
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    throw new ScopedDbError('INVALID_INPUT', `${what}: ${JSON.stringify(text)} is not hex bytes (an even number of 0-9a-f digits)`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * A key typed on a command line, as the stored bytes of a key codec named `codecName`:
 * - `hex:…` is raw stored bytes, for any codec;
 * - `bytes`: hex digits (`0x` optional);
 * - `string`: the text as it is;
 * - `ordered-binary`, `json`, `msgpack`, `cbor` (and `zod(…)` of them): JSON when it parses
 *   (`42` is the number 42, `"42"` the string, `[1,"a"]` an array, `true` a boolean), else the text as a string;
 * - any other codec: hex only (`hex:` or bare digits).
 */
export function parseKeyArgument(text: string, codecName: string, what = 'key'): Uint8Array {
  if (text.startsWith('hex:')) return fromHex(text.slice(4), what);
  const codec = codecForName(codecName);
  const base = /^(?:zod|standard)\((.+)\)$/.exec(codecName)?.[1] ?? codecName;
  if (!codec || base === 'bytes') return fromHex(text, `${what} (key codec "${codecName}" takes hex)`);
  let value: unknown = text;
  if (base !== 'string') {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  try {
    return codec.encode(value);
  } catch (error) {
    throw new ScopedDbError('INVALID_INPUT', `${what}: ${JSON.stringify(text)} is not a key the "${codecName}" codec can encode`, {
      cause: error,
    });
  }
}

/** A decoded value in the JSON-ready tagged form `Shown.json` describes. */
export function toJsonForm(value: unknown, depth = 0): unknown {
  if (depth > 64) return { $truncated: true };
  if (value === undefined) return { $undefined: true };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Uint8Array) return { $bytes: toHex(value) };
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString() };
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toJsonForm(k, depth + 1), toJsonForm(v, depth + 1)]) };
  if (value instanceof Set) return { $set: [...value].map((v) => toJsonForm(v, depth + 1)) };
  if (Array.isArray(value)) return value.map((v) => toJsonForm(v, depth + 1));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonForm(v, depth + 1)]));
  }
  return { $unknown: String(value) };
}

/** Stored bytes shown through the codec named `codecName`; raw hex when it is unknown or its decode fails. */
export function show(bytes: Uint8Array, codecName: string, isKey: boolean): Shown {
  const hex = toHex(bytes);
  const codec = codecForName(codecName);
  const base = /^(?:zod|standard)\((.+)\)$/.exec(codecName)?.[1] ?? codecName;
  if (codec && base !== 'bytes') {
    try {
      const value = codec.decode(bytes);
      const text = typeof value === 'string' ? value : inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY, colors: false });
      return { text, json: toJsonForm(value), size: bytes.length, ...(isKey ? { hex } : {}), decoded: true };
    } catch {
      // not what the codec wrote (or a codec of the same name with other options): show the bytes
    }
  }
  return { text: hex, json: { $bytes: hex }, size: bytes.length, hex, decoded: base === 'bytes' };
}
