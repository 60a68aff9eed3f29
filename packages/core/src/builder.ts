/**
 * `scopedDatabaseOptions(env)`: the immutable, typed builder. It checks what it is given as it
 * is given (codecs, name), and `create()` hands the rest to lmdb/open.ts.
 */
import type { RootDatabase } from 'lmdb';
import { type Codec, checkCodec, codecs } from './codec.js';
import { describeValue, ScopedDbError } from './errors.js';
import type { ScopedDatabase, ScopeRegistrar } from './interfaces.js';
import { checkDatabaseName, type DatabaseKind } from './key-format.js';
import { openScopedDatabase } from './lmdb/open.js';

/** What `scopedDatabaseOptions(env, options)` takes besides the env. */
export interface ScopedDatabaseOptions {
  /** Registers every scope a write touches, atomically with it (`GlobalScopeRegistry` from `@scoped-lmdb/registry`). */
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
  stats?: boolean;
}

/**
 * Immutable: every call returns a new builder, so a half-configured builder can be
 * shared and specialised. The type parameters track what `create()` will return and
 * reject `.unnamedForDefault()` outside `rawBytes()` and `.create()` without a kind.
 */
declare const typeState: unique symbol;

export class ScopedDatabaseBuilder<K, V, Kind extends DatabaseKind | undefined, Unnamed extends boolean = false, VIn = V> {
  readonly #state: BuilderState;
  /**
   * Type-level only (never set at run time): lets `this` parameters tell builders apart.
   * @internal
   */
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

  /** Keys are raw bytes (`Uint8Array`, stored as given); values go through `valueCodec`. */
  bytesKeys<V2, VIn2 = V2>(
    this: ScopedDatabaseBuilder<K, V, Kind, false, VIn>,
    valueCodec: Codec<V2, VIn2>,
  ): ScopedDatabaseBuilder<Uint8Array, V2, 'bytesKeys', false, VIn2> {
    return this.#with({ kind: 'bytesKeys', keyCodec: codecs.bytes(), valueCodec: checkCodec(valueCodec, 'value') });
  }

  /** Keys and values are raw bytes, stored as given: the fastest kind, and the only one `.unnamedForDefault()` takes. */
  rawBytes(): ScopedDatabaseBuilder<Uint8Array, Uint8Array, 'rawBytes', Unnamed> {
    return this.#with({ kind: 'rawBytes', keyCodec: codecs.bytes(), valueCodec: codecs.bytes() });
  }

  /** The database's name (required): its tables are `name` and `name_scoped`. Letters, digits, `-`, `_` and `.`. */
  name(name: string): ScopedDatabaseBuilder<K, V, Kind, Unnamed, VIn> {
    return this.#with({ name: checkDatabaseName(name) });
  }

  /** The DEFAULT scope lives in the environment's main (unnamed) database. */
  unnamedForDefault(this: ScopedDatabaseBuilder<K, V, 'rawBytes', Unnamed>): ScopedDatabaseBuilder<K, V, 'rawBytes', true> {
    return this.#with({ unnamedForDefault: true });
  }

  /**
   * Keeps each scope's entry count and stored bytes, in the same transaction as every write
   * (`getStats`, `registry.scopeStats`, quotas). Databases without it pay nothing.
   */
  withStats(): ScopedDatabaseBuilder<K, V, Kind, Unnamed, VIn> {
    return this.#with({ stats: true });
  }

  /** Opens or creates the tables (synchronously) and checks the codecs recorded at creation. */
  create(this: ScopedDatabaseBuilder<K, V, DatabaseKind, Unnamed, VIn>): ScopedDatabase<K, V, VIn> {
    const { env, registry, kind, keyCodec, valueCodec, name, unnamedForDefault, stats } = this.#state;
    if (!kind || !keyCodec || !valueCodec) {
      throw new ScopedDbError('INVALID_INPUT', 'choose a kind first: .types(keyCodec, valueCodec), .bytesKeys(valueCodec) or .rawBytes()');
    }
    if (name === undefined) throw new ScopedDbError('INVALID_INPUT', 'name the database: .name("orders")');
    if (unnamedForDefault && kind !== 'rawBytes') {
      throw new ScopedDbError('INVALID_INPUT', '.unnamedForDefault() is only for .rawBytes() databases');
    }
    return openScopedDatabase<K, V, VIn>({
      env,
      registry,
      kind,
      name,
      keyCodec: keyCodec as Codec<K>,
      valueCodec: valueCodec as Codec<V, VIn>,
      unnamedForDefault,
      stats: stats === true,
    });
  }
}

export function scopedDatabaseOptions(
  env: RootDatabase,
  options: ScopedDatabaseOptions = {},
): ScopedDatabaseBuilder<unknown, unknown, undefined> {
  if (env === null || typeof env !== 'object' || typeof (env as Partial<RootDatabase>).openDB !== 'function') {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `scopedDatabaseOptions needs an lmdb-js root database (from open()), got ${describeValue(env)}`,
    );
  }
  const registry = options?.registry;
  if (registry !== undefined && typeof registry?.registerScope !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', 'options.registry must implement ScopeRegistrar (e.g. GlobalScopeRegistry.open(env))');
  }
  return new ScopedDatabaseBuilder({ env, registry, unnamedForDefault: false });
}
