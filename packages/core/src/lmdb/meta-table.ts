/**
 * `__scoped_lmdb_meta`: one JSON record per scoped database (format, kind, codec names,
 * `unnamedForDefault`, `registry`), written by `create()` and checked on every reopen.
 */
import type { Database, RootDatabase } from 'lmdb';
import { ScopedDbError } from '../errors.js';
import { META_TABLE, type MetaRecord, parseMetaRecord } from '../key-format.js';
import { openExistingTable } from './lmdb-internals.js';

/** Every database recorded in the env's meta table, by name (none when there is no meta table yet). */
export function readMetaRecords(env: RootDatabase): Map<string, MetaRecord | undefined> {
  const records = new Map<string, MetaRecord | undefined>();
  let meta: Database<Uint8Array, Uint8Array>;
  try {
    meta = openExistingTable(env, META_TABLE);
  } catch {
    return records;
  }
  for (const { key, value } of meta.getRange({})) {
    records.set(Buffer.from(key as Uint8Array).toString('utf8'), parseMetaRecord(value as Uint8Array));
  }
  return records;
}

/**
 * Checks `record` against the one stored under `name`, or stores it (when `writable`): another
 * kind or other codecs is `CODEC_MISMATCH`; a registry once given must be given again.
 */
export function checkOrRecord(meta: Database, name: string, record: MetaRecord, writable: boolean): void {
  const key = Buffer.from(name, 'utf8');
  const stored = meta.getBinary(key);
  if (stored === undefined) {
    if (!writable) throw new ScopedDbError('INVALID_INPUT', `there is no scoped database "${name}" in this read-only environment`);
    if (record.unnamedForDefault) refuseSecondMainDbUser(meta, name);
    meta.putSync(key, Buffer.from(JSON.stringify(record)));
    return;
  }
  const existing = parseMetaRecord(stored);
  if (!existing) throw new ScopedDbError('STORAGE', `the metadata record of "${name}" is unreadable`);
  const differences = (['format', 'kind', 'keyCodec', 'valueCodec', 'unnamedForDefault'] as const)
    .filter((field) => existing[field] !== record[field])
    .map((field) => `${field}: stored ${JSON.stringify(existing[field] ?? null)}, given ${JSON.stringify(record[field] ?? null)}`);
  if (differences.length > 0) {
    throw new ScopedDbError('CODEC_MISMATCH', `database "${name}" was created differently (${differences.join('; ')})`);
  }
  if (existing.registry && !record.registry) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `database "${name}" was opened with a registry before: open it with one again, ` +
        'scopedDatabaseOptions(env, { registry: GlobalScopeRegistry.open(env) }), or the scopes it writes could not be listed',
    );
  }
  if (record.registry && !existing.registry && writable) meta.putSync(key, Buffer.from(JSON.stringify({ ...existing, registry: true })));
}

/** The env has one main database, so one scoped database at most keeps its DEFAULT scope there. */
function refuseSecondMainDbUser(meta: Database, name: string): void {
  for (const { key, value } of meta.getRange({})) {
    if (parseMetaRecord(value as Uint8Array)?.unnamedForDefault) {
      const holder = Buffer.from(key as Uint8Array).toString('utf8');
      throw new ScopedDbError(
        'INVALID_INPUT',
        `"${name}" cannot keep its DEFAULT scope in the main database: "${holder}" already does (an env has one main database)`,
      );
    }
  }
}

/** How many named tables this library's databases need once `name` exists too. */
export function tablesNeeded(env: RootDatabase, name: string, unnamedForDefault: boolean, registry: boolean): number {
  let needed = registry ? 2 : 1; // the meta table, and the registry's
  for (const [recorded, meta] of readMetaRecords(env)) if (recorded !== name) needed += meta?.unnamedForDefault ? 1 : 2;
  return needed + (unnamedForDefault ? 1 : 2);
}
