/**
 * `RedisScopedDatabase`, core's `AsyncScopedDatabase` on Redis. Every method makes the same
 * calls in the same order as core's lmdb/database.ts: resolve the scope, encode the value,
 * then the key, with core's shared checks (`@scoped-lmdb/core/internal`), then the I/O:
 * reads through the store's caller, writes through its write path (context.ts). What is
 * Redis's own: the codec record (`ready`), lex ranges and paging.
 */
import {
  type AsyncScopedDatabase,
  type AsyncScopedView,
  type ClearRange,
  type Codec,
  type Entry,
  keyFormat,
  type RangeOptions,
  Scope,
  ScopedDbError,
  type ScopeLike,
  type ScopeStats,
} from '@scoped-lmdb/core';
import {
  ASYNC_VIEW,
  bindScope,
  checkClearRange,
  checkCodec,
  checkDatabaseName,
  checkKeyLength,
  checkRangeOptions,
  decodeWith,
  describeScope,
  describeValue,
  encodeWith,
  printableKey,
  withContext,
} from '@scoped-lmdb/core/internal';
import type { StoreContext } from './context.js';
import { DATABASE_META_KEY } from './layout.js';
import { DATABASE_META_SCRIPT } from './scripts.js';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A range as ZRANGE BYLEX arguments: `from` is where the walk starts (the high end when reversed). */
interface LexRange {
  from: Buffer;
  to: Buffer;
  reverse: boolean;
  offset: number;
  limit: number;
  /** True when the range is the whole scope, so ZCARD can count it. */
  whole: boolean;
}

const OPEN = Buffer.from('[');
const EXCLUSIVE = Buffer.from('(');
const LOWEST = Buffer.from('-');
const HIGHEST = Buffer.from('+');

function lexBound(key: Buffer, inclusive: boolean): Buffer {
  return Buffer.concat([inclusive ? OPEN : EXCLUSIVE, key]);
}

/** Options of `store.database()`. */
export interface RedisDatabaseOptions {
  /**
   * Keep each scope's entry count and stored bytes (encoded keys + values) in the scope's slot,
   * in the same script as every write (`getStats`, `store.scopeStats`, quotas): Redis's
   * `.withStats()`. Recorded with the database's codecs: once a database keeps stats, every
   * handle on it must (INVALID_INPUT otherwise). Default false: the writes pay nothing.
   */
  stats?: boolean;
}

/** The options as given to `store.database()`, checked (INVALID_INPUT names the database). */
export function checkDatabaseOptions(name: string, options: unknown): { stats: boolean } {
  if (options === undefined) return { stats: false };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `database "${name}": options must be an object like { stats: true }, got ${describeValue(options)}`,
    );
  }
  for (const [key, value] of Object.entries(options)) {
    if (key !== 'stats') throw new ScopedDbError('INVALID_INPUT', `database "${name}": unknown option "${key}" (known: stats)`);
    if (value !== undefined && typeof value !== 'boolean') {
      throw new ScopedDbError('INVALID_INPUT', `database "${name}": option "stats" must be a boolean, got ${describeValue(value)}`);
    }
  }
  return { stats: (options as RedisDatabaseOptions).stats === true };
}

/** Core's `AsyncScopedDatabase` over the store's transport and write path; one per `store.database()` call. */
export class RedisScopedDatabase<K, V, VIn = V> implements AsyncScopedDatabase<K, V, VIn> {
  readonly name: string;
  /** True when this database keeps per-scope stats (`{ stats: true }`). */
  readonly stats: boolean;
  #checked: Promise<void> | undefined;
  #passed = false;

  constructor(
    private readonly context: StoreContext,
    name: string,
    readonly keyCodec: Codec<K>,
    readonly valueCodec: Codec<V, VIn>,
    options?: RedisDatabaseOptions,
  ) {
    this.name = checkDatabaseName(name);
    // Core's check: a codec's name is what the meta record stores, so an empty one is refused.
    checkCodec(keyCodec, 'key');
    checkCodec(valueCodec, 'value');
    this.stats = checkDatabaseOptions(this.name, options).stats;
  }

  /**
   * Like core's `create()`: the first use of a database name records its codecs (and
   * whether it keeps stats), and a handle with other codecs fails with CODEC_MISMATCH, one
   * without stats on a database that keeps them with INVALID_INPUT. Checked once per handle.
   * A handle that turns stats on for a database that has data counts it first (recountStats),
   * before any of its writes is sent.
   */
  ready(): Promise<void> {
    const codecs = { format: keyFormat.version, keyCodec: this.keyCodec.name, valueCodec: this.valueCodec.name };
    const plain = JSON.stringify(codecs);
    const counted = JSON.stringify({ ...codecs, stats: true });
    this.#checked ??= this.context.caller
      .eval<number>(
        `database "${this.name}"`,
        DATABASE_META_SCRIPT,
        [DATABASE_META_KEY],
        this.stats ? [this.name, counted, plain, '1'] : [this.name, plain, counted, ''],
      )
      .then(async (reply) => {
        if (Number(reply) === 2) await this.context.recount(this.name, undefined);
      })
      .then(
        () => {
          this.#passed = true;
        },
        (error: unknown) => {
          // A Redis outage should not stick to the handle; a real mismatch will be found again.
          this.#checked = undefined;
          throw error;
        },
      );
    return this.#checked;
  }

  /** True once the codec check has passed, so a write can be sent without waiting for it. */
  get isReady(): boolean {
    return this.#passed;
  }

  /** Codecs checked and, inside a transaction on `scope`, the writes issued before it sent: reads then see them. */
  async #readable(scope: Scope): Promise<void> {
    await this.ready();
    await this.context.readTurn(scope);
  }

  /**
   * The key as its hash field: the bytes core's key format stores in the default scope's table,
   * with core's length rules for `scope` (an empty key is fine in a named scope, not in DEFAULT).
   */
  encodeKey(key: K, scope: Scope, action?: string): Buffer {
    try {
      const bytes = encodeWith(this.keyCodec, key);
      checkKeyLength(bytes.length, scope.isDefault);
      // A copy: a write queued in a transaction must not change when the caller reuses its key bytes.
      return Buffer.from(bytes);
    } catch (error) {
      // Named as on LMDB: the call, the database, the scope.
      throw action === undefined ? error : withContext(error, 'INVALID_INPUT', `${action} in "${this.name}", ${describeScope(scope)}`);
    }
  }

  encodeValue(value: VIn, action?: string, scope?: Scope): Buffer {
    try {
      return toBuffer(encodeWith(this.valueCodec, value));
    } catch (error) {
      throw action === undefined || scope === undefined
        ? error
        : withContext(error, 'ENCODING', `${action} in "${this.name}", ${describeScope(scope)}`);
    }
  }

  async get(scope: ScopeLike, key: K): Promise<V | undefined> {
    const s = Scope.from(scope);
    const field = this.encodeKey(key, s, 'get');
    await this.#readable(s);
    const bytes = await this.context.read<Buffer | null>(s, this.name, { op: 'get', field }, 'get');
    return bytes === null ? undefined : this.#decodeValue(bytes, 'get', s, field);
  }

  async getMany(scope: ScopeLike, keys: readonly K[]): Promise<(V | undefined)[]> {
    const s = Scope.from(scope);
    if (!Array.isArray(keys)) throw new ScopedDbError('INVALID_INPUT', `getMany needs an array of keys, got ${describeValue(keys)}`);
    const fields = keys.map((key) => this.encodeKey(key, s, 'getMany'));
    await this.#readable(s);
    if (fields.length === 0) return [];
    const values = await this.context.read<(Buffer | null)[]>(s, this.name, { op: 'mget', fields }, 'getMany');
    return values.map((bytes, i) => (bytes === null ? undefined : this.#decodeValue(bytes, 'getMany', s, fields[i]!)));
  }

  async doesExist(scope: ScopeLike, key: K): Promise<boolean> {
    const s = Scope.from(scope);
    const field = this.encodeKey(key, s, 'doesExist');
    await this.#readable(s);
    return Number(await this.context.read<number>(s, this.name, { op: 'exists', field }, 'doesExist')) === 1;
  }

  put(scope: ScopeLike, key: K, value: VIn): Promise<boolean> {
    return this.context.write(
      () => {
        // Core's order (lmdb/database.ts): scope, value, key; so a bad input fails alike on both backends.
        const s = Scope.from(scope);
        const valueBytes = this.encodeValue(value, 'put', s);
        return [s, { database: this, kind: 'put', key: this.encodeKey(key, s, 'put'), value: valueBytes }];
      },
      (stored) => stored === 1,
    );
  }

  putSync(scope: ScopeLike, key: K, value: VIn): Promise<boolean> {
    return this.put(scope, key, value);
  }

  remove(scope: ScopeLike, key: K): Promise<boolean> {
    return this.context.write(
      () => {
        const s = Scope.from(scope);
        return [s, { database: this, kind: 'remove', key: this.encodeKey(key, s, 'remove') }];
      },
      (existed) => existed === 1,
    );
  }

  removeSync(scope: ScopeLike, key: K): Promise<boolean> {
    return this.remove(scope, key);
  }

  /**
   * Removes every entry of the scope, or (with a `ClearRange`) exactly what `getRange` with the
   * same bounds visits: one op of the write script either way, so call order, transactions and
   * stats hold as for any write. A whole clear UNLINKs the scope's two keys; a range clear walks
   * its range in slices of 1 000 inside the script.
   */
  clearAsync(scope: ScopeLike, range?: ClearRange<K>): Promise<number> {
    return this.context.write(
      () => {
        const s = Scope.from(scope);
        let checked: ClearRange<K> | undefined;
        try {
          checked = checkClearRange(range);
        } catch (error) {
          throw withContext(error, 'INVALID_INPUT', `clearAsync in "${this.name}", ${describeScope(s)}`);
        }
        if (checked === undefined || (checked.start === undefined && checked.end === undefined && checked.limit === undefined)) {
          return [s, { database: this, kind: 'clear' }];
        }
        const reverse = checked.reverse === true;
        const start = checked.start === undefined ? undefined : this.encodeKey(checked.start, s);
        const end = checked.end === undefined ? undefined : this.encodeKey(checked.end, s);
        const from = start ? lexBound(start, true) : reverse ? HIGHEST : LOWEST;
        const to = end ? lexBound(end, false) : reverse ? LOWEST : HIGHEST;
        return [s, { database: this, kind: 'clearRange', from, to, reverse, limit: checked.limit }];
      },
      (removed) => removed,
    );
  }

  clearSync(scope: ScopeLike, range?: ClearRange<K>): Promise<number> {
    return this.clearAsync(scope, range);
  }

  getRange(scope: ScopeLike, options?: RangeOptions<K>): AsyncIterable<Entry<K, V>> {
    return { [Symbol.asyncIterator]: () => this.#walk('getRange', scope, options) };
  }

  getKeys(scope: ScopeLike, options?: RangeOptions<K>): AsyncIterable<K> {
    const entries = { [Symbol.asyncIterator]: () => this.#walk('getKeys', scope, options) };
    return {
      async *[Symbol.asyncIterator]() {
        for await (const entry of entries) yield entry.key;
      },
    };
  }

  async getCount(scope: ScopeLike, options?: RangeOptions<K>): Promise<number> {
    const s = Scope.from(scope);
    const range = this.#lexRange(options, s);
    await this.#readable(s);
    if (range.whole) return Number(await this.context.read<number>(s, this.name, { op: 'card' }, 'getCount'));
    const [min, max] = range.reverse ? [range.to, range.from] : [range.from, range.to];
    const inRange = Number(await this.context.read<number>(s, this.name, { op: 'lexcount', min, max }, 'getCount'));
    return Math.max(0, Math.min(range.limit, inRange - range.offset));
  }

  async isScopeEmpty(scope: ScopeLike): Promise<boolean> {
    const s = Scope.from(scope);
    await this.#readable(s);
    return Number(await this.context.read<number>(s, this.name, { op: 'empty' }, 'isScopeEmpty')) === 0;
  }

  async listScopes(): Promise<Scope[]> {
    await this.ready();
    return this.context.scopesWithData(this.name);
  }

  /**
   * Ids holding data here that no name owns (a missing or invalid name record, registry.ts;
   * dropped and reserved ids aside), in id order: `registerScope` of their name makes them
   * listable again.
   */
  async listUnnamedIds(): Promise<bigint[]> {
    await this.ready();
    return this.context.unnamedIdsWithData(this.name);
  }

  async findEmptyScopes(): Promise<Scope[]> {
    await this.ready();
    const named = (await this.context.listAllScopes()).filter((s) => !s.isDefault);
    const empty = await Promise.all(named.map((s) => this.isScopeEmpty(s)));
    return named.filter((_, i) => empty[i]);
  }

  registerScope(scope: ScopeLike): Promise<void> {
    return this.context.registerScope(scope);
  }

  /** The scope's entries and bytes here: one HMGET of its stats record, in the read script that checks its id. */
  async getStats(scope: ScopeLike): Promise<ScopeStats> {
    const s = Scope.from(scope);
    this.#requireStats('getStats');
    await this.#readable(s);
    const [entries, bytes] = await this.context.read<(Buffer | null)[]>(s, this.name, { op: 'stats', database: this.name }, 'getStats');
    return { entries: Number(entries?.toString() ?? 0), bytes: Number(bytes?.toString() ?? 0) };
  }

  /**
   * Counts the scope's data here again (every id holding data here when `scope` is left out)
   * and stores it as the stats; resolves with what it found in all. One script per id, which
   * walks that id's entries (README "Stats and quotas": its cost).
   */
  async recountStats(scope?: ScopeLike): Promise<ScopeStats> {
    const s = scope === undefined ? undefined : Scope.from(scope);
    this.#requireStats('recountStats');
    await this.ready();
    if (s !== undefined) await this.context.readTurn(s);
    return this.context.recount(this.name, s);
  }

  #requireStats(method: string): void {
    if (!this.stats) {
      throw new ScopedDbError('INVALID_INPUT', `${method} needs a database opened with { stats: true }: "${this.name}" keeps no stats`);
    }
  }

  /** Core's generated view (view.ts), the same one LMDB returns: a frozen object of closures, no path to this database. */
  scope(scope: ScopeLike): AsyncScopedView<K, V, VIn> {
    return bindScope<AsyncScopedView<K, V, VIn>>(this, Scope.from(scope), ASYNC_VIEW);
  }

  transaction<T>(scope: ScopeLike, fn: () => T | Promise<T>): Promise<T> {
    return this.context.transaction(scope, fn);
  }

  /** Decode failures say which database, scope and key, as core's do (same wording). */
  #decodeValue(bytes: Uint8Array, action: string, scope: Scope, field: Uint8Array): V {
    try {
      return decodeWith(this.valueCodec, bytes);
    } catch (error) {
      throw withContext(error, 'ENCODING', this.#where(action, scope, field));
    }
  }

  #decodeKey(field: Uint8Array, action: string, scope: Scope): K {
    try {
      return decodeWith(this.keyCodec, field);
    } catch (error) {
      throw withContext(error, 'ENCODING', this.#where(action, scope, field));
    }
  }

  #where(action: string, scope: Scope, field: Uint8Array): string {
    return `${action} in "${this.name}", ${describeScope(scope)}, key ${printableKey(field)}`;
  }

  #lexRange(options: RangeOptions<K> | undefined, scope: Scope): LexRange {
    const o = checkRangeOptions(options);
    const offset = o.offset ?? 0;
    const limit = o.limit ?? Infinity;
    const reverse = Boolean(o.reverse);
    const start = o.start === undefined ? undefined : this.encodeKey(o.start, scope);
    const end = o.end === undefined ? undefined : this.encodeKey(o.end, scope);
    const from = start ? lexBound(start, !o.exclusiveStart) : reverse ? HIGHEST : LOWEST;
    const to = end ? lexBound(end, Boolean(o.inclusiveEnd)) : reverse ? LOWEST : HIGHEST;
    return { from, to, reverse, offset, limit, whole: !start && !end && offset === 0 && limit === Infinity };
  }

  /**
   * Pages of at most `pageSize` entries, each read atomically, each checked on the slot of the
   * scope's id (so a page never holds another id's entries); the next page starts after the
   * last key seen, under the scope's id at that time. `getKeys` reads no values (its entries'
   * values stay undefined).
   */
  async *#walk(action: 'getRange' | 'getKeys', scope: ScopeLike, options: RangeOptions<K> | undefined): AsyncGenerator<Entry<K, V>> {
    const s = Scope.from(scope);
    const range = this.#lexRange(options, s);
    await this.#readable(s);
    let { from, offset } = range;
    let remaining = range.limit;
    while (remaining > 0) {
      const count = Math.min(remaining, this.context.pageSize);
      const page = { op: 'range', from, to: range.to, reverse: range.reverse, offset, count, values: action === 'getRange' } as const;
      const [fields, values] = await this.context.read<[Buffer[], (Buffer | null)[]?]>(s, this.name, page, action);
      for (let i = 0; i < fields.length; i++) {
        const value = values?.[i];
        const field = fields[i]!;
        const key = this.#decodeKey(field, action, s);
        yield { key, value: value === undefined || value === null ? (undefined as V) : this.#decodeValue(value, action, s, field) };
      }
      if (fields.length < count) return;
      remaining -= fields.length;
      offset = 0;
      from = lexBound(fields[fields.length - 1]!, false);
    }
  }
}
