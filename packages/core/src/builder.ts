import type { Database, RootDatabase } from 'lmdb';
import { type Codec, codecs } from './codec.js';
import { LmdbScopedDatabase } from './database.js';
import { ScopedDbError, wrapError } from './errors.js';
import type { ScopedDatabase } from './interfaces.js';
import { KEY_FORMAT_VERSION, META_TABLE, SCOPED_TABLE_SUFFIX, scopedTableName } from './key-format.js';
import { type DatabaseKind, type MetaRecord, parseMetaRecord, readMetaRecords } from './meta-record.js';
import type { ScopeEmptinessChecker, ScopeRegistrar } from './registrar.js';
import { describe } from './scope.js';
import { isReadOnly } from './transaction.js';

export interface ScopedDatabaseOptions {
  registry?: ScopeRegistrar;
}

interface BuilderState {
  env: RootDatabase;
  registry: ScopeRegistrar | undefined;
  kind?: DatabaseKind;
  keyCodec?: Codec<unknown>;
  valueCodec?: Codec<unknown, never>;
  name?: string;
  unnamedForDefault: boolean;
}

/**
 * Immutable: every call returns a new builder, so a half-configured builder can be
 * shared and specialised. The type parameters track what `create()` will return and
 * reject `.unnamedForDefault()` outside `rawBytes()` and `.create()` without a kind.
 */
declare const typeState: unique symbol;

export class ScopedDatabaseBuilder<K, V, Kind extends DatabaseKind | undefined, Unnamed extends boolean = false, VIn = V> {
  readonly #state: BuilderState;
  /** Type-level only (never set at run time): lets `this` parameters tell builders apart. */
  declare readonly [typeState]: { kind: Kind; unnamed: Unnamed; key: K; value: V; valueInput: VIn };

  /** @internal use `scopedDatabaseOptions(env)` */
  constructor(state: BuilderState) {
    this.#state = Object.freeze(state) as BuilderState;
  }

  #with<B>(patch: Partial<BuilderState>): B {
    return new ScopedDatabaseBuilder({ ...this.#state, ...patch }) as B;
  }

  /** Keys decode to what they encode from (ranges take them as bounds); values may take another input type (`Codec<V, VIn>`). */
  types<K2, V2, VIn2 = V2>(
    this: ScopedDatabaseBuilder<K, V, Kind, false, VIn>,
    keyCodec: Codec<K2>,
    valueCodec: Codec<V2, VIn2>,
  ): ScopedDatabaseBuilder<K2, V2, 'types', false, VIn2> {
    return this.#with({ kind: 'types', keyCodec: checkCodec(keyCodec, 'key'), valueCodec: checkCodec(valueCodec, 'value') });
  }

  bytesKeys<V2, VIn2 = V2>(
    this: ScopedDatabaseBuilder<K, V, Kind, false, VIn>,
    valueCodec: Codec<V2, VIn2>,
  ): ScopedDatabaseBuilder<Uint8Array, V2, 'bytesKeys', false, VIn2> {
    return this.#with({ kind: 'bytesKeys', keyCodec: codecs.bytes(), valueCodec: checkCodec(valueCodec, 'value') });
  }

  rawBytes(): ScopedDatabaseBuilder<Uint8Array, Uint8Array, 'rawBytes', Unnamed> {
    return this.#with({ kind: 'rawBytes', keyCodec: codecs.bytes(), valueCodec: codecs.bytes() });
  }

  name(name: string): ScopedDatabaseBuilder<K, V, Kind, Unnamed, VIn> {
    return this.#with({ name: checkDatabaseName(name) });
  }

  /** The DEFAULT scope lives in the environment's main (unnamed) database. */
  unnamedForDefault(this: ScopedDatabaseBuilder<K, V, 'rawBytes', Unnamed>): ScopedDatabaseBuilder<K, V, 'rawBytes', true> {
    return this.#with({ unnamedForDefault: true });
  }

  /** Opens or creates the tables (synchronously) and checks the codecs recorded at creation. */
  create(this: ScopedDatabaseBuilder<K, V, DatabaseKind, Unnamed, VIn>): ScopedDatabase<K, V, VIn> {
    const { env, registry, kind, keyCodec, valueCodec, name, unnamedForDefault } = this.#state;
    if (!kind || !keyCodec || !valueCodec) {
      throw new ScopedDbError('INVALID_INPUT', 'choose a kind first: .types(keyCodec, valueCodec), .bytesKeys(valueCodec) or .rawBytes()');
    }
    if (name === undefined) throw new ScopedDbError('INVALID_INPUT', 'name the database: .name("orders")');
    if (unnamedForDefault && kind !== 'rawBytes') {
      throw new ScopedDbError('INVALID_INPUT', '.unnamedForDefault() is only for .rawBytes() databases');
    }
    const binary = { keyEncoding: 'binary', encoding: 'binary' } as const;
    const record: MetaRecord = {
      format: KEY_FORMAT_VERSION,
      kind,
      keyCodec: keyCodec.name,
      valueCodec: valueCodec.name,
      ...(unnamedForDefault ? { unnamedForDefault: true as const } : {}),
      ...(registry ? { registry: true as const } : {}),
    };
    const readOnly = isReadOnly(env);
    const openTables = () => {
      const meta = env.openDB(META_TABLE, binary);
      // The record first: a mismatch is reported before any table is made.
      checkOrRecord(meta, name, record, !readOnly);
      return {
        defaultTable: env.openDB(unnamedForDefault ? { name: null as unknown as string, ...binary } : { name, ...binary }),
        scopedTable: env.openDB(scopedTableName(name), binary),
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
            `${tablesNeeded(env, name, unnamedForDefault, registry !== undefined)} (each scoped database uses 2 tables, 1 with unnamedForDefault, ` +
            `plus 1 for ${META_TABLE} and 1 for the registry), plus any tables of your own`,
          { cause: error },
        );
      }
      throw wrapError(error, 'STORAGE', `could not open scoped database "${name}"`);
    }
    return new LmdbScopedDatabase<K, V, VIn>({
      env,
      name,
      kind,
      keyCodec: keyCodec as Codec<K>,
      valueCodec: valueCodec as Codec<V, VIn>,
      registry,
      defaultTable: tables.defaultTable as Database<Uint8Array, Uint8Array>,
      scopedTable: tables.scopedTable as Database<Uint8Array, Uint8Array>,
      defaultInMainDb: unnamedForDefault,
    });
  }
}

const recorded = new WeakMap<RootDatabase, Map<string, ScopeEmptinessChecker>>();

/**
 * Every scoped database recorded in the env's meta table, as emptiness checkers (what the
 * registry asks before it unregisters a scope). Opened once per env and name; a database
 * recorded since the last call is picked up, one whose tables are gone is skipped.
 */
export function recordedDatabases(env: RootDatabase): ScopeEmptinessChecker[] {
  let opened = recorded.get(env);
  if (!opened) recorded.set(env, (opened = new Map()));
  const binary = { keyEncoding: 'binary', encoding: 'binary', create: false } as const;
  for (const [name, record] of readMetaRecords(env)) {
    if (opened.has(name) || !record) continue;
    const open = (tableName: string | null) => env.openDB({ name: tableName, ...binary } as unknown as { name: string });
    let tables: { defaultTable: Database; scopedTable: Database };
    try {
      tables = { defaultTable: open(record.unnamedForDefault ? null : name), scopedTable: open(scopedTableName(name)) };
    } catch {
      continue; // recorded, but its tables were dropped outside the library: it holds nothing
    }
    opened.set(
      name,
      new LmdbScopedDatabase({
        env,
        name,
        kind: record.kind,
        keyCodec: codecs.bytes(),
        valueCodec: codecs.bytes(),
        registry: undefined,
        defaultTable: tables.defaultTable as Database<Uint8Array, Uint8Array>,
        scopedTable: tables.scopedTable as Database<Uint8Array, Uint8Array>,
        defaultInMainDb: record.unnamedForDefault === true,
      }),
    );
  }
  return [...opened.values()];
}

/** LMDB's MDB_DBS_FULL, as lmdb-js reports it in `error.code`. */
const MDB_DBS_FULL = -30791;

/** How many named tables this library's databases need once `name` exists too. */
function tablesNeeded(env: RootDatabase, name: string, unnamedForDefault: boolean, registry: boolean): number {
  const records = readMetaRecords(env);
  let needed = registry ? 2 : 1; // the meta table, and the registry's
  for (const [recorded, meta] of records) if (recorded !== name) needed += meta?.unnamedForDefault ? 1 : 2;
  return needed + (unnamedForDefault ? 1 : 2);
}

export function scopedDatabaseOptions(
  env: RootDatabase,
  options: ScopedDatabaseOptions = {},
): ScopedDatabaseBuilder<unknown, unknown, undefined> {
  if (env === null || typeof env !== 'object' || typeof (env as Partial<RootDatabase>).openDB !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', `scopedDatabaseOptions needs an lmdb-js root database (from open()), got ${describe(env)}`);
  }
  const registry = options?.registry;
  if (registry !== undefined && typeof registry?.registerScope !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', 'options.registry must implement ScopeRegistrar (e.g. GlobalScopeRegistry.open(env))');
  }
  return new ScopedDatabaseBuilder({ env, registry, unnamedForDefault: false });
}

function checkOrRecord(meta: Database, name: string, record: MetaRecord, writable: boolean): void {
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

function checkCodec<T, TIn>(codec: Codec<T, TIn>, role: string): Codec<T, TIn> {
  if (
    codec === null ||
    typeof codec !== 'object' ||
    typeof codec.name !== 'string' ||
    codec.name === '' ||
    typeof codec.encode !== 'function' ||
    typeof codec.decode !== 'function'
  ) {
    throw new ScopedDbError('INVALID_INPUT', `the ${role} codec must be { name, encode, decode }, got ${describe(codec)}`);
  }
  return codec;
}

function checkDatabaseName(name: string): string {
  if (typeof name !== 'string' || name === '') {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `a database name must be a non-empty string, got ${typeof name === 'string' ? "''" : describe(name)}`,
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
