/**
 * Opening scoped databases on an env: `create()`'s work (tables and meta record in one write
 * transaction, so a failure leaves nothing behind), and the env's recorded databases as
 * emptiness checkers for the registry.
 */
import type { Database, RootDatabase } from 'lmdb';
import { type Codec, codecs } from '../codec.js';
import { ScopedDbError, wrapError } from '../errors.js';
import type { ScopedDatabase, ScopeEmptinessChecker, ScopeRegistrar } from '../interfaces.js';
import { type DatabaseKind, KEY_FORMAT_VERSION, META_TABLE, type MetaRecord, scopedTableName } from '../key-format.js';
import { LmdbScopedDatabase } from './database.js';
import { isReadOnly, MDB_DBS_FULL, openExistingTable } from './lmdb-internals.js';
import { checkOrRecord, readMetaRecords, rememberMetaTable, tablesNeeded } from './meta-table.js';
import { perEnv } from './per-env.js';
import { statsOf } from './stats.js';
import { openedTables } from './tables.js';

export interface OpenSpec<K, V, VIn> {
  env: RootDatabase;
  registry: ScopeRegistrar | undefined;
  kind: DatabaseKind;
  name: string;
  keyCodec: Codec<K>;
  valueCodec: Codec<V, VIn>;
  unnamedForDefault: boolean;
  stats: boolean;
}

const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;

/** Opens or creates the database's tables and checks (or writes) its meta record. */
export function openScopedDatabase<K, V, VIn>(spec: OpenSpec<K, V, VIn>): ScopedDatabase<K, V, VIn> {
  const { env, registry, kind, name, keyCodec, valueCodec, unnamedForDefault, stats } = spec;
  const record: MetaRecord = {
    format: KEY_FORMAT_VERSION,
    kind,
    keyCodec: keyCodec.name,
    valueCodec: valueCodec.name,
    ...(unnamedForDefault ? { unnamedForDefault: true as const } : {}),
    ...(registry ? { registry: true as const } : {}),
    ...(stats ? { stats: true as const } : {}),
  };
  const readOnly = isReadOnly(env);
  const openTables = () => {
    const meta = env.openDB(META_TABLE, binary) as Database<Uint8Array, Uint8Array>;
    rememberMetaTable(env, meta);
    // The record first: a mismatch is reported before any table is made.
    const firstStats = checkOrRecord(meta, name, record, !readOnly);
    if (stats) statsOf(env).open(name);
    return {
      defaultTable: env.openDB(unnamedForDefault ? { name: null as unknown as string, ...binary } : { name, ...binary }),
      scopedTable: env.openDB(scopedTableName(name), binary),
      firstStats,
    };
  };
  let tables: ReturnType<typeof openTables>;
  try {
    // One write transaction: if any table cannot be made (maxDbs reached), none is, and no record.
    tables = readOnly ? openTables() : env.transactionSync(openTables);
  } catch (error) {
    if ((error as { code?: unknown })?.code === MDB_DBS_FULL) {
      throw new ScopedDbError(
        'STORAGE',
        `could not open scoped database "${name}": the env's maxDbs is too small; this library's tables need maxDbs >= ` +
          `${tablesNeeded(env, name, unnamedForDefault, registry !== undefined, stats)} (each scoped database uses 2 tables, 1 with ` +
          `unnamedForDefault, plus 1 for ${META_TABLE}, 1 for the registry and 1 for stats), plus any tables of your own`,
        { cause: error },
      );
    }
    throw wrapError(error, 'STORAGE', `could not open scoped database "${name}"`);
  }
  const defaultTable = tables.defaultTable as Database<Uint8Array, Uint8Array>;
  const scopedTable = tables.scopedTable as Database<Uint8Array, Uint8Array>;
  openedTables(env).set(name, { defaultTable, scopedTable });
  const database = new LmdbScopedDatabase<K, V, VIn>({
    env,
    name,
    kind,
    keyCodec,
    valueCodec,
    registry,
    defaultTable,
    scopedTable,
    defaultInMainDb: unnamedForDefault,
    stats,
  });
  // Stats turned on for a database that already holds data: count what is there, once.
  if (tables.firstStats) database.recountStats();
  return database;
}

const recordedOf = perEnv((): Map<string, ScopeEmptinessChecker> => new Map());

/**
 * Every scoped database recorded in the env's meta table, as emptiness checkers (what the
 * registry asks before it unregisters a scope). Opened once per env and name; a database
 * recorded since the last call is picked up, one whose tables are gone is skipped.
 */
export function recordedDatabases(env: RootDatabase): ScopeEmptinessChecker[] {
  const opened = recordedOf(env);
  for (const [name, record] of readMetaRecords(env)) {
    if (opened.has(name) || !record) continue;
    let defaultTable: Database<Uint8Array, Uint8Array>;
    let scopedTable: Database<Uint8Array, Uint8Array>;
    try {
      const known = openedTables(env).get(name);
      defaultTable = known?.defaultTable ?? openExistingTable(env, record.unnamedForDefault ? null : name);
      scopedTable = known?.scopedTable ?? openExistingTable(env, scopedTableName(name));
    } catch {
      continue; // recorded, but its tables were dropped outside the library: it holds nothing
    }
    const database = new LmdbScopedDatabase({
      env,
      name,
      kind: record.kind,
      keyCodec: codecs.bytes(),
      valueCodec: codecs.bytes(),
      registry: undefined,
      defaultTable,
      scopedTable,
      defaultInMainDb: record.unnamedForDefault === true,
      stats: false,
    });
    opened.set(name, database);
  }
  return [...opened.values()];
}
