/**
 * The only module that knows the bytes of a scoped key (format version 1).
 *
 * DEFAULT scope: its own table, keys stored exactly as encoded (a plain lmdb-js
 * database can be adopted as it is). Named scopes share the `<name>_scoped` table:
 *
 *   key = id (8 bytes, big-endian xxh64 of the name) ‖ encoded key
 *
 * No length prefix, so inside a scope entries sort by the encoded key's bytes, and a
 * scope is exactly the contiguous range [id, id + 1).
 */
import { type Codec, encodingError } from './codec.js';
import { describeValue, ScopedDbError, withContext } from './errors.js';
import { describeScope, Scope, type ScopeLike, scopeIdBytes } from './scope.js';

/** The version of the stored key layout below, recorded in every database's meta record. */
export const KEY_FORMAT_VERSION = 1;
/** Bytes of a scope id in front of every key of a `_scoped` table. */
export const SCOPE_ID_BYTES = 8;
/** LMDB's 1978-byte key limit minus the 8-byte id, applied to every scope alike. */
export const MAX_KEY_BYTES = 1970;

/** The range of stored keys that belongs to one scope. */
export interface ScopeBounds {
  /** Inclusive: the scope's 8-byte id. */
  start: Uint8Array;
  /** Exclusive: id + 1 with carry; absent when the id is all 0xFF (nothing sorts after it). */
  end?: Uint8Array;
}

/**
 * Rejects keys LMDB would refuse (or silently miss, for an oversize `get`), the one home of
 * the rule for every backend. An empty encoded key is fine inside a named scope (the stored
 * key is its id, never empty) but not in the DEFAULT scope, whose table stores keys as they
 * are and LMDB has no zero-length keys; `inDefaultScope` defaults to the strict rule.
 */
export function checkKeyLength(length: number, inDefaultScope = true): void {
  if (length === 0 && inDefaultScope) {
    throw new ScopedDbError('INVALID_INPUT', 'an empty key is not allowed in the default scope (LMDB has no zero-length keys)');
  }
  if (length > MAX_KEY_BYTES) {
    throw new ScopedDbError('KEY_TOO_LARGE', `the encoded key is ${length} bytes; the limit is ${MAX_KEY_BYTES}`);
  }
}

/** How many bytes a scope puts before every encoded key: none for DEFAULT (a table of its own), else its id. */
export function keyPrefixLength(scope: Scope): number {
  return scope.isDefault ? 0 : SCOPE_ID_BYTES;
}

/** Writes the scope's first-life prefix (its xxh64 id) at the start of `target`; the encoded key follows. */
export function writeKeyPrefix(scope: Scope, target: Uint8Array): number {
  return writeIdPrefix(scopeIdBytes(scope), target);
}

/** Writes `id` (null: DEFAULT, no prefix) at the start of `target`; returns where the encoded key starts. */
export function writeIdPrefix(id: Uint8Array | null, target: Uint8Array): number {
  if (id === null) return 0;
  // Eight assignments beat TypedArray#set for so few bytes (measured on the putSync hot path).
  target[0] = id[0] as number;
  target[1] = id[1] as number;
  target[2] = id[2] as number;
  target[3] = id[3] as number;
  target[4] = id[4] as number;
  target[5] = id[5] as number;
  target[6] = id[6] as number;
  target[7] = id[7] as number;
  return SCOPE_ID_BYTES;
}

/**
 * Writes `id ‖ encoded key` into one reused buffer (the hot path allocates nothing), checks
 * the length limit, and reads stored keys back. One per database: the buffer is its own.
 */
export class KeyWriter<K> {
  readonly #codec: Codec<K>;
  /**
   * id + key, with room to spot oversize keys (a multiple of 4 for ordered-binary's DataView).
   * A plain Uint8Array: views of a Buffer cost a slow FastBuffer construction each.
   */
  readonly #buffer = new Uint8Array(4096);
  readonly #views: Uint8Array[] = [];
  readonly #plain: boolean;
  /** The database's name, for messages. */
  readonly #database: string;

  /** `plain`: the codec is the built-in bytes codec, so a stored key reads back as a copy of its bytes. */
  constructor(codec: Codec<K>, plain: boolean, database: string) {
    this.#codec = codec;
    this.#plain = plain;
    this.#database = database;
  }

  /**
   * The stored key for `key` under `id` (null: DEFAULT), in the reused buffer: valid until the
   * next call. A refusal names `action` and `scope` when given (they cost nothing otherwise).
   */
  write(id: Uint8Array | null, key: K, action?: string, scope?: Scope): Uint8Array {
    const target = this.#buffer;
    const offset = writeIdPrefix(id, target);
    const codec = this.#codec;
    let end: number;
    try {
      end = codec.encodeInto ? codec.encodeInto(key, target, offset) : Number.POSITIVE_INFINITY;
      // Anything but a whole end offset at or after the start would cut the id or write garbage.
      if (!(end >= offset && (Number.isInteger(end) || end === Number.POSITIVE_INFINITY))) {
        throw new RangeError(`encodeInto returned ${typeof end === 'number' ? end : describeValue(end)}, not an end offset >= ${offset}`);
      }
      // No fast path, or it did not fit: encode on its own (and learn the real length).
      if (end > target.length) {
        const bytes = codec.encode(key);
        if (!(bytes instanceof Uint8Array)) throw new TypeError(`encode returned ${describeValue(bytes)}, not a Uint8Array`);
        end = offset + bytes.length;
        if (end <= target.length) target.set(bytes, offset);
      }
    } catch (error) {
      throw this.#where(encodingError(codec.name, 'encode', error), action, scope);
    }
    const length = end - offset;
    if (length > MAX_KEY_BYTES || (length === 0 && id === null)) {
      try {
        checkKeyLength(length, id === null);
      } catch (error) {
        throw this.#where(error, action, scope);
      }
    }
    // One cached view per length: the hot path allocates nothing.
    let view = this.#views[end];
    if (view === undefined) view = this.#views[end] = target.subarray(0, end);
    return view;
  }

  /** Like `write`, but a copy the caller keeps (a range bound, a queued write). */
  copy(id: Uint8Array | null, key: K, action?: string, scope?: Scope): Uint8Array {
    return new Uint8Array(this.write(id, key, action, scope));
  }

  #where(error: unknown, action: string | undefined, scope: Scope | undefined): unknown {
    if (action === undefined || scope === undefined) return error;
    return withContext(error, 'INVALID_INPUT', `${action} in "${this.#database}", ${describeScope(scope)}`);
  }

  /**
   * The key of a stored key lmdb-js copied out for a range step (`skip` = the prefix length).
   * A codec failure is `ENCODING`; the caller adds where it happened.
   */
  read(stored: Uint8Array, skip: number): K {
    if (this.#plain) return copyPlain(stored, skip) as K;
    try {
      return this.#codec.decode(new Uint8Array(stored.buffer, stored.byteOffset + skip, stored.length - skip));
    } catch (error) {
      throw encodingError(this.#codec.name, 'decode', error);
    }
  }
}

/**
 * A plain Uint8Array copy of `bytes` from `skip` on. Deliberately not a view: reading
 * `.buffer` of a small (on-heap) typed array makes V8 move it off-heap, and a Buffer
 * subarray goes through Buffer's slow species constructor; a fresh small array is cheap.
 */
function copyPlain(bytes: Uint8Array, skip: number): Uint8Array {
  const length = bytes.length - skip;
  const out = new Uint8Array(length);
  if (skip === 0) out.set(bytes);
  else for (let i = 0; i < length; i++) out[i] = bytes[i + skip] as number;
  return out;
}

/** Writes `id ‖ key` (or `key` alone for DEFAULT) into `target` from 0; returns the length. */
export function writeScopedKey(scope: Scope, key: Uint8Array, target: Uint8Array): number {
  checkKeyLength(key.length, scope.isDefault);
  const offset = writeKeyPrefix(scope, target);
  target.set(key, offset);
  return offset + key.length;
}

export function encodeScopedKey(scope: ScopeLike, key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array)) throw new ScopedDbError('INVALID_INPUT', 'keyFormat.encode needs the encoded key as a Uint8Array');
  const s = Scope.from(scope);
  const out = new Uint8Array((s.isDefault ? 0 : SCOPE_ID_BYTES) + key.length);
  writeScopedKey(s, key, out);
  return out;
}

/** Splits a key of the `_scoped` table into its scope hash and encoded key (a copy). */
export function decodeScopedKey(bytes: Uint8Array): { hash: bigint | null; key: Uint8Array } {
  if (!(bytes instanceof Uint8Array) || bytes.length < SCOPE_ID_BYTES) {
    throw new ScopedDbError('INVALID_INPUT', 'a named scoped key has at least 8 bytes (the scope id)');
  }
  return { hash: readScopeHash(bytes), key: bytes.slice(SCOPE_ID_BYTES) };
}

export function readScopeHash(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, SCOPE_ID_BYTES).getBigUint64(0, false);
}

/** The id after `id` as a big-endian number, or undefined when `id` is all 0xFF. */
export function nextId(id: Uint8Array): Uint8Array | undefined {
  const next = new Uint8Array(id); // a copy even when `id` is a Buffer (whose slice is a view)
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] !== 0xff) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return undefined;
}

/**
 * The range of `id` in the `_scoped` table for lmdb-js: `low` is the id itself (shared: read
 * it, never write it), `high` is id + 1 (absent for an all-0xFF id). Both absent for DEFAULT (null).
 */
export function idRange(id: Uint8Array | null): { low?: Uint8Array; high?: Uint8Array } {
  if (id === null) return {};
  const high = nextId(id);
  return high ? { low: id, high } : { low: id };
}

/** The range of a scope's first-life id (xxh64 of its name). */
export function scopeRange(scope: Scope): { low?: Uint8Array; high?: Uint8Array } {
  return idRange(scopeIdBytes(scope));
}

/** A scope's first-life id, xxh64 of its name (null for DEFAULT): without a registry, its only id. */
export function firstLifeId(scope: Scope): Uint8Array | null {
  return scopeIdBytes(scope);
}

/** 8-byte big-endian id bytes of an unsigned 64-bit number. */
export function idBytesOf(hash: bigint): Uint8Array {
  const id = new Uint8Array(SCOPE_ID_BYTES);
  new DataView(id.buffer).setBigUint64(0, hash, false);
  return id;
}

/** Rewrites, in place, the id at the start of a stored key (same length: ids are 8 bytes). */
export function replaceId(stored: Uint8Array, id: Uint8Array): void {
  writeIdPrefix(id, stored);
}

/** True when `stored` starts with `id`. */
export function hasId(stored: Uint8Array, id: Uint8Array): boolean {
  for (let i = 0; i < SCOPE_ID_BYTES; i++) if (stored[i] !== id[i]) return false;
  return true;
}

/** The lowest key of the `_scoped` table's id space: where a walk over every scope starts. */
export function firstScopeStart(): Uint8Array {
  return new Uint8Array(SCOPE_ID_BYTES);
}

/** Where the scope after the one holding `scopedKey` starts, or undefined after the last id. */
export function nextScopeStart(scopedKey: Uint8Array): Uint8Array | undefined {
  return nextId(scopedKey.subarray(0, SCOPE_ID_BYTES));
}

export function scopeBounds(scope: ScopeLike): ScopeBounds {
  const { low, high } = scopeRange(Scope.from(scope));
  if (low === undefined) {
    throw new ScopedDbError('INVALID_INPUT', 'the default scope has a table of its own and needs no bounds');
  }
  return high ? { start: low.slice(), end: high } : { start: low.slice() };
}

/**
 * The stored key layout, for tools that read the tables directly: a named scope's key is its
 * 8-byte id followed by the encoded key (ids are xxh64 of the name unless a registry stores another).
 */
export const keyFormat: Readonly<{
  /** `KEY_FORMAT_VERSION`. */
  version: number;
  /** `scope`'s first-life id ‖ `key` (for DEFAULT: `key` alone, as its own table stores it). */
  encode: (scope: ScopeLike, key: Uint8Array) => Uint8Array;
  /** A `_scoped` table key split into its scope hash and encoded key (a copy). */
  decode: (bytes: Uint8Array) => {
    /** The scope's id as an unsigned 64-bit number; null for a DEFAULT key. */
    hash: bigint | null;
    /** The encoded key without the id. */
    key: Uint8Array;
  };
  /** The stored key range of a scope's first-life id in the `_scoped` table. */
  bounds: (scope: ScopeLike) => ScopeBounds;
}> = Object.freeze({
  version: KEY_FORMAT_VERSION,
  encode: encodeScopedKey,
  decode: decodeScopedKey,
  bounds: scopeBounds,
});

/** Table names a scoped database named `name` uses. */
export const SCOPED_TABLE_SUFFIX = '_scoped';
/** The env's table of database records: kind, codec names, key format version, registry and stats flags. */
export const META_TABLE = '__scoped_lmdb_meta';
export const REGISTRY_TABLE = '__global_scope_metadata';
/** Per-scope stats of the databases built `.withStats()` (lmdb/stats.ts). */
export const STATS_TABLE = '__scoped_lmdb_stats';

export function scopedTableName(name: string): string {
  return name + SCOPED_TABLE_SUFFIX;
}

/** Database names the library reserves: `__…` (its own tables) and `…_scoped` (a database's second table). */
export function checkDatabaseName(name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `a database name must be a non-empty string, got ${typeof name === 'string' ? "''" : describeValue(name)}`,
    );
  }
  if (name.startsWith('__') || name.endsWith(SCOPED_TABLE_SUFFIX)) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `"${name}" is reserved: names starting with "__" or ending with "${SCOPED_TABLE_SUFFIX}" belong to the library`,
    );
  }
  if (!name.isWellFormed()) throw new ScopedDbError('INVALID_INPUT', 'a database name must be well-formed UTF-16');
  return name;
}

/** What kind of database a table pair holds. */
export type DatabaseKind = 'types' | 'bytesKeys' | 'rawBytes';

/** The record `create()` keeps for each database, as JSON under its name in `__scoped_lmdb_meta`. */
export interface MetaRecord {
  format: number;
  kind: DatabaseKind;
  keyCodec: string;
  valueCodec: string;
  unnamedForDefault?: true;
  /** Set once the database was opened with a registry: without one its scopes could not be listed. */
  registry?: true;
  /** Set once the database keeps per-scope stats: every later opening must keep them too. */
  stats?: true;
}

export function parseMetaRecord(bytes: Uint8Array): MetaRecord | undefined {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as MetaRecord;
  } catch {
    return undefined;
  }
}
