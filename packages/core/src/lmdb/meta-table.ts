/**
 * `__scoped_lmdb_meta`: one JSON record per scoped database (format, kind, codec names,
 * `unnamedForDefault`, `registry`), written by `create()` and checked on every reopen.
 */
import type { Database, RootDatabase } from 'lmdb';
import { ScopedDbError } from '../errors.js';
import { META_TABLE, type MetaRecord, parseMetaRecord } from '../key-format.js';
import { openExistingTable } from './lmdb-internals.js';
import { perEnv } from './per-env.js';

/**
 * The meta table, opened once per env: lmdb-js's `openDB` ends the shared read snapshot, so
 * opening it per read would let one synchronous block of reads see two snapshots.
 */
const metaTables = perEnv((): { table?: Database<Uint8Array, Uint8Array> } => ({}));

/** Keeps the meta table `create()` opened, so reads of the records use it rather than open it again. */
export function rememberMetaTable(env: RootDatabase, table: Database<Uint8Array, Uint8Array>): void {
  metaTables(env).table ??= table;
}

/** Every database recorded in the env's meta table, by name (none when there is no meta table yet). */
export function readMetaRecords(env: RootDatabase): Map<string, MetaRecord | undefined> {
  const records = new Map<string, MetaRecord | undefined>();
  const held = metaTables(env);
  try {
    held.table ??= openExistingTable(env, META_TABLE);
  } catch {
    return records;
  }
  for (const { key, value } of held.table.getRange({})) {
    records.set(Buffer.from(key as Uint8Array).toString('utf8'), parseMetaRecord(value as Uint8Array));
  }
  return records;
}

/**
 * Checks `record` against the one stored under `name`, or stores it (when `writable`): another
 * kind or other codecs is `CODEC_MISMATCH`; a registry or stats once given must be given again.
 * True when this opening turns stats on for a database that existed without them (its data
 * must be counted once).
 */
export function checkOrRecord(meta: Database, name: string, record: MetaRecord, writable: boolean): boolean {
  const key = Buffer.from(name, 'utf8');
  const stored = meta.getBinary(key);
  if (stored === undefined) {
    if (!writable) throw new ScopedDbError('INVALID_INPUT', `there is no scoped database "${name}" in this read-only environment`);
    if (record.unnamedForDefault) refuseSecondMainDbUser(meta, name);
    meta.putSync(key, Buffer.from(JSON.stringify(record)));
    return false;
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
  if (existing.stats && !record.stats) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `database "${name}" keeps per-scope stats: open it with .withStats() again, or its writes would leave the stats wrong`,
    );
  }
  const added = {
    ...(record.registry && !existing.registry ? { registry: true } : {}),
    ...(record.stats && !existing.stats ? { stats: true } : {}),
  };
  if (Object.keys(added).length > 0 && writable) meta.putSync(key, Buffer.from(JSON.stringify({ ...existing, ...added })));
  return record.stats === true && !existing.stats;
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
export function tablesNeeded(env: RootDatabase, name: string, unnamedForDefault: boolean, registry: boolean, stats: boolean): number {
  const records = [...readMetaRecords(env)].filter(([recorded]) => recorded !== name);
  let needed = 1 + (registry ? 1 : 0); // the meta table, and the registry's
  if (stats || records.some(([, meta]) => meta?.stats)) needed++; // the stats table
  for (const [, meta] of records) needed += meta?.unnamedForDefault ? 1 : 2;
  return needed + (unnamedForDefault ? 1 : 2);
}
