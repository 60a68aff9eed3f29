/**
 * The only module that knows the Redis key names.
 *
 * Every key of a scope carries the hash tag `{<16-hex id>}` (`{default}` for the
 * default scope), so a scope lives in one hash slot and one Lua script or
 * transaction can touch all of its keys:
 *
 *   scoped:{tag}:name          the scope's name (UTF-8), its registry record
 *   scoped:{tag}:dbs           SET of the database names holding data in the scope
 *   scoped:{tag}:d:<db>:h      HASH  encoded key -> encoded value
 *   scoped:{tag}:d:<db>:z      ZSET  encoded keys, all with score 0, so ZRANGE BYLEX
 *                              walks them in byte order (memcmp), like LMDB
 *
 * Data keys sit under `d:`, and the suffix after the database name is fixed, so
 * neither a database name nor a user key (a hash field or set member) can meet
 * the scope's own records. The hash field is the key exactly as core's key format
 * stores it in the default scope's table: the id travels in the key name instead.
 */
import { Scope, ScopedDbError } from '@scoped-lmdb/core';

export const KEY_ROOT = 'scoped';
/**
 * A named scope's tag in a SCAN pattern: exactly 16 characters. With `*` the pattern
 * could run past the tag (`scoped:{*}:d:o:z` matches the keys of a database named
 * `x}:d:o`). `?` still matches `}`, so every key SCAN returns is parsed exactly too.
 */
const ANY_ID = '?'.repeat(16);
/** Where `listAllScopes` looks: one name record per registered scope (DEFAULT has none). */
export const NAME_RECORD_PATTERN = `${KEY_ROOT}:{${ANY_ID}}:name`;
/** The codec names each database was first used with (one key, read once per database handle). */
export const DATABASE_META_KEY = `${KEY_ROOT}:{meta}:databases`;

/** What the key names need of a scope: its hash (null for DEFAULT). */
export type ScopeId = Pick<Scope, 'hash'>;

export function hashTag(scope: ScopeId): string {
  return scope.hash === null ? '{default}' : `{${scope.hash.toString(16).padStart(16, '0')}}`;
}

export interface ScopeRecordKeys {
  readonly name: string;
  readonly databases: string;
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

/** The scope a hash names, when its name is known. */
export function scopeOf(hash: bigint | null, name: string | undefined): Scope | undefined {
  if (hash === null) return Scope.DEFAULT;
  // An empty or malformed name, or one that does not hash to its key, was not written by
  // this library: ignored, as the LMDB registry does (see the registry README).
  if (!name || !name.isWellFormed()) return undefined;
  const scope = Scope.named(name);
  return scope.hash === hash ? scope : undefined;
}
