/**
 * `unnamedForDefault`: the DEFAULT scope lives in the env's main (unnamed) database, where
 * LMDB also keeps one record per named table (lmdb-js keys it by the table's name and a
 * trailing NUL; the bare name is an ordinary key). Ranges, counts and clears of that scope
 * skip the records of this library's tables (known from `__scoped_lmdb_meta`), point
 * operations cannot reach them, and meeting the record of a foreign table, a clear fails.
 */
import type { Database, RangeIterable as LmdbIterable, RootDatabase } from 'lmdb';
import { ScopedDbError } from '../errors.js';
import { META_TABLE, REGISTRY_TABLE, scopedTableName } from '../key-format.js';
import { readMetaRecords } from './meta-table.js';
import { type LmdbRange, sliceRange } from './ranges.js';

const utf8 = new TextEncoder();

/** Keys (as latin1 strings) of the main-database records of this library's tables. */
export function libraryTableRecords(env: RootDatabase): Set<string> {
  const names = [META_TABLE, REGISTRY_TABLE];
  for (const [name, record] of readMetaRecords(env)) {
    names.push(scopedTableName(name));
    if (!record?.unnamedForDefault) names.push(name);
  }
  const records = new Set<string>();
  for (const name of names) records.add(`${Buffer.from(utf8.encode(name)).toString('latin1')}\0`);
  return records;
}

const latin1 = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');

/** The DEFAULT scope of an `unnamedForDefault` database: the main database minus table records. */
export class MainDbScope {
  readonly #env: RootDatabase;
  readonly #table: Database<Uint8Array, Uint8Array>;

  constructor(env: RootDatabase, table: Database<Uint8Array, Uint8Array>) {
    this.#env = env;
    this.#table = table;
  }

  /** True when `keyBytes` is the record of one of this library's tables. */
  isRecordKey(keyBytes: Uint8Array): boolean {
    // Only keys ending in NUL can be records, so ordinary keys cost one comparison.
    if (keyBytes[keyBytes.length - 1] !== 0) return false;
    return libraryTableRecords(this.#env).has(latin1(keyBytes));
  }

  refuseRecordKey(keyBytes: Uint8Array, context: string): void {
    if (this.isRecordKey(keyBytes)) {
      throw new ScopedDbError('INVALID_INPUT', `${context}: that key is the record of a table in the main database`);
    }
  }

  /** The scope's keys in `range`; `limit`/`offset` apply after the records are skipped. */
  keys(range: LmdbRange): LmdbIterable<Uint8Array> {
    const { limit, offset, ...bounds } = range;
    const skip = libraryTableRecords(this.#env);
    const keys = this.#table.getKeys(bounds) as unknown as LmdbIterable<Uint8Array>;
    return sliceRange(
      keys.filter((key) => !skip.has(latin1(key))),
      offset,
      limit,
    );
  }

  entries(range: LmdbRange): LmdbIterable<{ key: Uint8Array; value: Uint8Array }> {
    const { limit, offset, ...bounds } = range;
    const skip = libraryTableRecords(this.#env);
    const entries = this.#table.getRange(bounds) as unknown as LmdbIterable<{ key: Uint8Array; value: Uint8Array }>;
    return sliceRange(
      entries.filter(({ key }) => !skip.has(latin1(key))),
      offset,
      limit,
    );
  }
}
