/**
 * `TestEnv`: an LMDB environment for tests, with its registry, that hands out a fresh, uniquely
 * named scope per test and drops it afterwards with the registry's `dropScope` (O(1): metadata
 * only; the entries are reclaimed in the background). `createTempEnv()` makes one in a temp
 * directory that `close()` removes; `openTestEnv(path)` opens a file that several workers or
 * processes share (every one of them gets distinct scope names).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Codec, Scope, type ScopedDatabase, ScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open, type RootDatabase, type RootDatabaseOptions } from 'lmdb';

export interface TestEnvOptions {
  /**
   * lmdb-js `open()` options, over the defaults `{ maxDbs: 64, noSync: true }`. `noSync`: a test
   * needs no durability across an OS crash, and an fsync per teardown costs more than the drop
   * itself (about 1.5 ms per commit on the machine the README's numbers come from).
   */
  lmdb?: RootDatabaseOptions;
  /** What every scope name starts with (default `'test'`), so leftovers are easy to spot in `listAllScopes()`. */
  scopePrefix?: string;
}

/** What the drops of one `TestEnv` have cost, measured around each `dropScope` call. */
export interface TeardownStats {
  /** Scopes dropped. */
  scopes: number;
  /** Time spent in `dropScope`, summed (ms). */
  totalMs: number;
  /** `totalMs / scopes` (0 before the first drop). */
  meanMs: number;
  /** The slowest drop (ms). */
  maxMs: number;
}

/** A scope handed out for one test. */
export interface TestScope {
  /** The scope: pass it to any scoped database of the env (`db.put(scope, …)`, `db.scope(scope)`). */
  readonly scope: Scope;
  /** Its name: `<prefix>:<label>:<process tag>:<n>`. */
  readonly name: string;
  /** True once dropped. */
  readonly dropped: boolean;
  /** Drops the scope in every database of the env at once (O(1)); a second call does nothing. */
  drop(): void;
  /** `drop()`, for `using scope = testEnv.freshScope()`. */
  [Symbol.dispose](): void;
}

/** Longest part of a test's label kept in a scope name (the name stays readable in listings). */
const MAX_LABEL = 80;

/**
 * Names this module instance hands out: the pid, and random bytes for the threads of one process
 * (same pid) and for a pid reused later on a shared env file.
 */
const processTag = `${process.pid}-${randomBytes(6).toString('hex')}`;
let counter = 0;

/** An LMDB environment for tests, made by `createTempEnv()` or `openTestEnv(path)`. */
export interface TestEnv extends AsyncDisposable {
  /** The env's directory. */
  readonly path: string;
  /** The lmdb-js root database. */
  readonly env: RootDatabase;
  /** The env's registry: open every database of the env with it, so a drop empties it there. */
  readonly registry: GlobalScopeRegistry;
  /** True when `close()` removes `path` (a temp env). */
  readonly temporary: boolean;
  /**
   * A scope no test has used: its name is unique across workers and processes sharing the env,
   * and it is not registered (so it holds nothing). `label` (say, the test's name) goes into the
   * name to make leftovers readable.
   */
  freshScope(label?: string): TestScope;
  /**
   * The scoped database `name` of this env, opened with its registry; the same handle for every
   * call with the same codecs (other codecs: `CODEC_MISMATCH`, as core's `create()` says).
   */
  database<K, V, VIn = V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V, VIn>): ScopedDatabase<K, V, VIn>;
  /** What this env's drops have cost so far, timed around each `dropScope` call. */
  teardownStats(): TeardownStats;
  /**
   * Drops every scope it handed out that is still live, closes the env, and removes its
   * directory if it is a temp env. A second call does nothing.
   */
  close(): Promise<void>;
}

class LmdbTestEnv implements TestEnv {
  readonly path: string;
  readonly env: RootDatabase;
  readonly registry: GlobalScopeRegistry;
  readonly temporary: boolean;
  readonly #prefix: string;
  readonly #live = new Set<TestScope>();
  readonly #databases = new Map<string, { keyCodec: string; valueCodec: string; db: ScopedDatabase<never, never, never> }>();
  readonly #stats = { scopes: 0, totalMs: 0, maxMs: 0 };
  #closed = false;

  constructor(path: string, temporary: boolean, options: TestEnvOptions) {
    const prefix = options.scopePrefix ?? 'test';
    if (typeof prefix !== 'string' || prefix === '') throw new ScopedDbError('INVALID_INPUT', 'scopePrefix must be a non-empty string');
    this.path = path;
    this.temporary = temporary;
    this.#prefix = prefix;
    try {
      this.env = open({ maxDbs: 64, noSync: true, ...options.lmdb, path });
    } catch (error) {
      throw new ScopedDbError('STORAGE', `could not open the test env at ${path}`, { cause: error });
    }
    this.registry = GlobalScopeRegistry.open(this.env);
  }

  freshScope(label?: string): TestScope {
    this.#open('freshScope');
    if (label !== undefined && typeof label !== 'string')
      throw new ScopedDbError('INVALID_INPUT', 'freshScope: the label must be a string');
    const part = label ? `${label.slice(0, MAX_LABEL)}:` : '';
    let name: string;
    do name = `${this.#prefix}:${part}${processTag}:${++counter}`;
    while (this.registry.scopeExists(name));
    const scope = Scope.named(name);
    const env = this;
    const handle: TestScope = {
      scope,
      name,
      get dropped() {
        return !env.#live.has(handle);
      },
      drop: () => this.#drop(handle),
      [Symbol.dispose]: () => this.#drop(handle),
    };
    this.#live.add(handle);
    return handle;
  }

  database<K, V, VIn = V>(name: string, keyCodec: Codec<K>, valueCodec: Codec<V, VIn>): ScopedDatabase<K, V, VIn> {
    this.#open('database');
    const cached = this.#databases.get(name);
    if (cached && cached.keyCodec === keyCodec?.name && cached.valueCodec === valueCodec?.name) {
      return cached.db as unknown as ScopedDatabase<K, V, VIn>;
    }
    const db = scopedDatabaseOptions(this.env, { registry: this.registry }).types(keyCodec, valueCodec).name(name).create();
    this.#databases.set(name, {
      keyCodec: keyCodec.name,
      valueCodec: valueCodec.name,
      db: db as unknown as ScopedDatabase<never, never, never>,
    });
    return db;
  }

  teardownStats(): TeardownStats {
    const { scopes, totalMs, maxMs } = this.#stats;
    return { scopes, totalMs, meanMs: scopes === 0 ? 0 : totalMs / scopes, maxMs };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      for (const handle of [...this.#live]) this.#drop(handle);
    } finally {
      this.#closed = true;
      await this.env.close();
      if (this.temporary) rmSync(this.path, { recursive: true, force: true });
    }
  }

  /** `close()`, for `await using testEnv = createTempEnv()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #drop(handle: TestScope): void {
    if (!this.#live.has(handle)) return;
    this.#open('drop');
    const started = performance.now();
    this.registry.dropScope(handle.scope);
    const ms = performance.now() - started;
    this.#live.delete(handle);
    this.#stats.scopes++;
    this.#stats.totalMs += ms;
    this.#stats.maxMs = Math.max(this.#stats.maxMs, ms);
  }

  #open(method: string): void {
    if (this.#closed) throw new ScopedDbError('INVALID_INPUT', `${method}: the test env at ${this.path} is closed`);
  }
}

/** A test env in a new temp directory, removed by `close()`. */
export function createTempEnv(options: TestEnvOptions = {}): TestEnv {
  const path = mkdtempSync(join(tmpdir(), 'scoped-lmdb-test-'));
  try {
    return new LmdbTestEnv(path, true, options);
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
}

/** A test env on `path`, which other workers or processes may have open too; `close()` keeps the directory. */
export function openTestEnv(path: string, options: TestEnvOptions = {}): TestEnv {
  if (typeof path !== 'string' || path === '') throw new ScopedDbError('INVALID_INPUT', 'openTestEnv needs the path of the env directory');
  return new LmdbTestEnv(path, false, options);
}

/**
 * Runs `fn` with a fresh scope of `testEnv` and drops the scope afterwards, also when `fn`
 * throws: the plain-function form for jest, node:test or any runner.
 */
export async function withFreshScope<T>(testEnv: TestEnv, fn: (scope: Scope) => T | Promise<T>, label?: string): Promise<T> {
  const handle = testEnv.freshScope(label);
  try {
    return await fn(handle.scope);
  } finally {
    handle.drop();
  }
}
