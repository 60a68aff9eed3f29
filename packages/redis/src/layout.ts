/**
 * The only module that knows the Redis key names.
 *
 * Every key of a scope carries the hash tag of its id, `{<16-hex id>}` (`{default}` for the
 * default scope), so a scope lives in one hash slot and one Lua script or transaction can
 * touch all of its keys:
 *
 *   scoped:{id}:name           the name whose id this is (UTF-8), or a lifecycle lock
 *                              (first byte 0xFF: never valid UTF-8, so never a name)
 *   scoped:{id}:gen            a random token naming this life of the name at the id
 *                              (absent on records written before v2)
 *   scoped:{id}:dbs            SET of the database names holding data in the scope
 *   scoped:{id}:d:<db>:h       HASH  encoded key -> encoded value
 *   scoped:{id}:d:<db>:z       ZSET  encoded keys, all with score 0, so ZRANGE BYLEX
 *                              walks them in byte order (memcmp), like LMDB
 *   scoped:{id}:dropped        tombstone: the id was dropped, its data waits for reclaim
 *   scoped:{id}:reserved       a copy is filling the id
 *   scoped:{id}:ids            HASH, for the names whose first-life id (home) is this id and
 *                              who live elsewhere: name -> 16-hex id (or a lock)
 *   scoped:{id}:fence:<token>  set (for a minute) by the first failed write of a burst that
 *                              resolves, so the rest of the burst fails too (scripts.ts)
 *   scoped:{id}:stats          HASH, per database opened with stats: `e:<db>` -> entries,
 *                              `b:<db>` -> bytes (encoded keys + values), and while the
 *                              scope has a quota `t:e`, `t:b` (their totals); kept by the
 *                              write scripts, absent while the scope holds nothing counted
 *   scoped:{id}:quota          HASH `maxEntries`, `maxBytes` (either may be absent): the
 *                              scope's quota, checked by the write scripts
 *
 * A name's first id is xxh64 of the name (`hashTag(scope)`), so v1 data keeps its keys.
 * Data keys sit under `d:`, and the suffix after the database name is fixed, so neither a
 * database name nor a user key (a hash field or set member) can meet the scope's own
 * records. The hash field is the key exactly as core's key format stores it in the default
 * scope's table: the id travels in the key name instead.
 */
import { Scope, ScopedDbError } from '@scoped-lmdb/core';

/** The prefix of every key this package writes (`scoped:{…}:…`), so its keys are easy to tell apart. */
export const KEY_ROOT = 'scoped';
/**
 * A named scope's tag in a SCAN pattern: exactly 16 characters. With `*` the pattern
 * could run past the tag (`scoped:{*}:d:o:z` matches the keys of a database named
 * `x}:d:o`). `?` still matches `}`, so every key SCAN returns is parsed exactly too.
 */
const ANY_ID = '?'.repeat(16);
/** Where `listAllScopes` looks: one name record per registered scope (DEFAULT has none). */
export const NAME_RECORD_PATTERN = `${KEY_ROOT}:{${ANY_ID}}:name`;
/** Where reclaim looks for dropped ids. */
export const TOMBSTONE_PATTERN = `${KEY_ROOT}:{${ANY_ID}}:dropped`;
/** Where reclaim looks for copies that stopped half-way. */
export const RESERVATION_PATTERN = `${KEY_ROOT}:{${ANY_ID}}:reserved`;
/** Where `listQuotas` looks: one quota record per scope that has one. */
export const QUOTA_PATTERN = `${KEY_ROOT}:{${ANY_ID}}:quota`;
/** Where `recountStats()` looks for ids whose stats may name a database with no data left. */
export const STATS_PATTERN = `${KEY_ROOT}:{${ANY_ID}}:stats`;
/** The codec names each database was first used with (one key, read once per database handle). */
export const DATABASE_META_KEY = `${KEY_ROOT}:{meta}:databases`;

/** What the key names need of a scope: its hash (null for DEFAULT). */
export type ScopeId = Pick<Scope, 'hash'>;

/** A scope's first-life tag: `{<16-hex xxh64>}`, or `{default}`. */
export function hashTag(scope: ScopeId): string {
  return scope.hash === null ? '{default}' : `{${idHex(scope.hash)}}`;
}

const RECORD_KEY_CACHE_SIZE = 10_000;
const hexCache = new Map<bigint, string>();

/** An id as its tag holds it: 16 lowercase hex digits. */
export function idHex(id: bigint): string {
  let hex = hexCache.get(id);
  if (hex === undefined) {
    hex = id.toString(16).padStart(16, '0');
    // Bounded like the record keys below: a cleared entry is only rebuilt.
    if (hexCache.size >= RECORD_KEY_CACHE_SIZE) hexCache.clear();
    hexCache.set(id, hex);
  }
  return hex;
}

/** The id a 16-hex string names, or undefined for anything else. */
export function parseIdHex(hex: string): bigint | undefined {
  return /^[0-9a-f]{16}$/.test(hex) ? BigInt(`0x${hex}`) : undefined;
}

/** A name's home: its first-life id, whose slot records where the name lives if not there. */
export function homeOf(name: string): bigint {
  return Scope.named(name).hash as bigint;
}

export interface ScopeRecordKeys {
  readonly name: string;
  readonly databases: string;
}

/** Every record an id's slot holds besides the data, in the order the scripts take them (see scripts.ts). */
export interface IdRecordKeys extends ScopeRecordKeys {
  readonly gen: string;
  readonly dropped: string;
  readonly reserved: string;
  /** The home entries of the names whose first-life id this is. */
  readonly entries: string;
}

/** The fence of a burst of writes that resolve (scripts.ts WRITE_SCRIPT): set by its first failure, it expires after a minute. */
export function fenceKey(id: bigint, token: string): string {
  return `${KEY_ROOT}:{${idHex(id)}}:fence:${token}`;
}

/** Recently used ids' record keys: every read and write of a scope names them, and building them (hex of a bigint, six strings) is per-call work. */
const recordKeyCache = new Map<bigint, IdRecordKeys>();

export function idRecordKeys(id: bigint): IdRecordKeys {
  const cached = recordKeyCache.get(id);
  if (cached) return cached;
  const base = `${KEY_ROOT}:{${idHex(id)}}:`;
  const keys: IdRecordKeys = Object.freeze({
    name: `${base}name`,
    databases: `${base}dbs`,
    gen: `${base}gen`,
    dropped: `${base}dropped`,
    reserved: `${base}reserved`,
    entries: `${base}ids`,
  });
  // A bound, not an LRU: dropping them all now and then costs a rebuild, never a wrong key.
  if (recordKeyCache.size >= RECORD_KEY_CACHE_SIZE) recordKeyCache.clear();
  recordKeyCache.set(id, keys);
  return keys;
}

/** A scope's stats and quota records (the default scope's for null; it never has a quota). */
export interface CountKeys {
  readonly stats: string;
  readonly quota: string;
}

export function countKeys(id: bigint | null): CountKeys {
  const base = `${KEY_ROOT}:${id === null ? '{default}' : `{${idHex(id)}}`}:`;
  return { stats: `${base}stats`, quota: `${base}quota` };
}

/** The id a quota record belongs to; undefined for any other key. */
export function idOfQuota(key: string): bigint | undefined {
  return namedScopeOfKey(key, (scope) => countKeys(scope.hash).quota);
}

/** The id a stats record belongs to; undefined for any other key. */
export function idOfStats(key: string): bigint | undefined {
  return namedScopeOfKey(key, (scope) => countKeys(scope.hash).stats);
}

export interface DataKeys {
  readonly hash: string;
  readonly order: string;
}

export function scopeRecordKeys(scope: ScopeId): ScopeRecordKeys {
  const base = `${KEY_ROOT}:${hashTag(scope)}:`;
  return { name: `${base}name`, databases: `${base}dbs` };
}

export function dataKeys(scope: ScopeId, database: string): DataKeys {
  const base = `${KEY_ROOT}:${hashTag(scope)}:d:${database}:`;
  return { hash: `${base}h`, order: `${base}z` };
}

/**
 * SCAN pattern for the order keys of one database in every named scope; the default
 * scope's is one known key (`dataKeys(Scope.DEFAULT, database).order`), checked with EXISTS.
 */
export function orderKeyPattern(database: string): string {
  return `${KEY_ROOT}:{${ANY_ID}}:d:${database.replace(/[*?[\]\\]/g, '\\$&')}:z`;
}

const NAMED_TAG = /^scoped:\{([0-9a-f]{16})\}:/;

/** The named scope whose key this is, if the key is exactly `keyOf(hash)`: anything else under the prefix is not ours. */
function namedScopeOfKey(key: string, keyOf: (scope: ScopeId) => string): bigint | undefined {
  const match = NAMED_TAG.exec(key);
  if (!match) return undefined;
  const hash = BigInt(`0x${match[1]}`);
  return keyOf({ hash }) === key ? hash : undefined;
}

/** The scope a name record belongs to; undefined for any other key. */
export function scopeOfNameRecord(key: string): bigint | undefined {
  return namedScopeOfKey(key, (scope) => scopeRecordKeys(scope).name);
}

/** The id a tombstone belongs to; undefined for any other key. */
export function idOfTombstone(key: string): bigint | undefined {
  return namedScopeOfKey(key, (scope) => idRecordKeys(scope.hash as bigint).dropped);
}

/** The id a copy reservation belongs to; undefined for any other key. */
export function idOfReservation(key: string): bigint | undefined {
  return namedScopeOfKey(key, (scope) => idRecordKeys(scope.hash as bigint).reserved);
}

/** The named scope of which `key` is the order key of `database`; undefined for any other key (another database's too). */
export function scopeOfOrderKey(key: string, database: string): bigint | undefined {
  return namedScopeOfKey(key, (scope) => dataKeys(scope, database).order);
}

/** A scope hash as the registry API receives it: an unsigned 64-bit bigint. */
export function checkScopeHash(hash: unknown): bigint {
  if (typeof hash !== 'bigint' || hash < 0n || hash >= 1n << 64n) {
    throw new ScopedDbError('INVALID_INPUT', 'a scope hash is an unsigned 64-bit bigint');
  }
  return hash;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A name record's name, when it is one this library writes: non-empty, well-formed UTF-8.
 * A lock (first byte 0xFF) or anything else yields undefined. Whether the name maps back to
 * the record's id is the registry's question (registry.ts), as on LMDB.
 */
export function recordedName(bytes: Uint8Array | null | undefined): string | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const name = strictUtf8.decode(bytes);
    return name.isWellFormed() ? name : undefined;
  } catch {
    return undefined;
  }
}
