/**
 * The stores the tests look at, built with the real packages: an LMDB env and a Redis store with
 * the same data. Four databases with different codecs (msgpack values with stats, ordered-binary
 * keys with cbor values, zod over cbor, raw bytes), a renamed scope (its id is not its name's
 * hash), a registered empty scope (what prune removes), and an id holding data that no name maps
 * to (written before a registry knew it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cbor } from '@scoped-lmdb/codec-cbor';
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { zodCodec } from '@scoped-lmdb/codec-zod';
import { codecs, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { KEY_ROOT, openRedisScopedStore } from '@scoped-lmdb/redis';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { Cluster, Redis } from 'ioredis';
import { open, type RootDatabase } from 'lmdb';
import { z } from 'zod';

export const profileSchema = z.object({ name: z.string(), joined: z.date(), plan: z.enum(['free', 'pro']).default('free') });

/** The scope whose data no name maps to, and its id as 16 hex. */
export const UNNAMED_SCOPE = 'before-registry';
export const UNNAMED_ID = (Scope.named(UNNAMED_SCOPE).hash as bigint).toString(16).padStart(16, '0');

const joined = new Date('2026-01-02T03:04:05.000Z');

/** Builds the LMDB fixture at `path` (default: a fresh temp directory) and returns its path (the env is closed). */
export async function buildLmdbEnv(path = mkdtempSync(join(tmpdir(), 'scoped-cli-env-'))): Promise<string> {
  const env = open({ path, maxDbs: 20 });
  // Written first, without a registry: its scope's id is known to no registry.
  const legacy = scopedDatabaseOptions(env).types(codecs.string(), codecs.string()).name('legacy').create();
  legacy.putSync(UNNAMED_SCOPE, 'note', 'kept from v0');
  const registry = GlobalScopeRegistry.open(env);
  const options = scopedDatabaseOptions(env, { registry });
  const users = options.types(codecs.string(), msgpack<{ name: string; age?: number }>()).name('users').withStats().create();
  const events = options.types(codecs.key(), cbor<{ kind: string; at: Date }>()).name('events').create();
  const profiles = options
    .types(codecs.string(), zodCodec(profileSchema, { inner: cbor() }))
    .name('profiles')
    .create();
  const blobs = options.rawBytes().name('blobs').create();
  env.transactionSync(() => {
    users.putSync('acme', 'u1', { name: 'Ada', age: 36 });
    users.putSync('acme', 'u2', { name: 'Grace' });
    users.putSync('acme', 'u3', { name: 'Linus' });
    users.putSync('globex', 'u1', { name: 'Hank' });
    users.putSync('globex', 'u2', { name: 'Marge' });
    users.putSync(null, 'admin', { name: 'root' });
    users.putSync('initech-old', 'u1', { name: 'Peter' });
    for (let i = 0; i < 5; i++) events.putSync('acme', [2026, i], { kind: i % 2 ? 'login' : 'logout', at: joined });
    events.putSync('globex', [2025, 7], { kind: 'login', at: joined });
    profiles.putSync('acme', 'ada', { name: 'Ada', joined });
    blobs.putSync('acme', new Uint8Array([1, 2, 3]), new Uint8Array([0xca, 0xfe]));
  });
  registry.renameScope('initech-old', 'initech');
  registry.registerScope('ghost');
  await env.close();
  return path;
}

/** Writes the same data to the Redis server at `port` (one scope without a name record), or to a cluster of these nodes. */
export async function buildRedisStore(port: number, cluster?: readonly { host: string; port: number }[]): Promise<void> {
  const client = cluster ? new Cluster([...cluster]) : new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  if (!cluster) await client.connect();
  const store = await openRedisScopedStore(client);
  const users = store.database('users', codecs.string(), msgpack<{ name: string; age?: number }>());
  const events = store.database('events', codecs.key(), cbor<{ kind: string; at: Date }>());
  const profiles = store.database('profiles', codecs.string(), zodCodec(profileSchema, { inner: cbor() }));
  const legacy = store.database('legacy', codecs.string(), codecs.string());
  await Promise.all([
    users.put('acme', 'u1', { name: 'Ada', age: 36 }),
    users.put('acme', 'u2', { name: 'Grace' }),
    users.put('acme', 'u3', { name: 'Linus' }),
    users.put('globex', 'u1', { name: 'Hank' }),
    users.put('globex', 'u2', { name: 'Marge' }),
    users.put(null, 'admin', { name: 'root' }),
    users.put('initech-old', 'u1', { name: 'Peter' }),
    ...[0, 1, 2, 3, 4].map((i) => events.put('acme', [2026, i], { kind: i % 2 ? 'login' : 'logout', at: joined })),
    events.put('globex', [2025, 7], { kind: 'login', at: joined }),
    profiles.put('acme', 'ada', { name: 'Ada', joined }),
    legacy.put(UNNAMED_SCOPE, 'note', 'kept from v0'),
  ]);
  await store.renameScope('initech-old', 'initech');
  await store.registerScope('ghost');
  // The name record goes: the id holds data that no name maps to.
  await client.del(`${KEY_ROOT}:{${UNNAMED_ID}}:name`, `${KEY_ROOT}:{${UNNAMED_ID}}:gen`);
  await client.quit();
}

/** What `buildScopesEnv` writes: one database of string keys and values over many scopes. */
export interface ScopesEnvOptions {
  /** The database's name. */
  db: string;
  /** Kept with `.withStats()` (default: no stats). */
  stats?: boolean;
  /** How many scopes are written (i = 0 … scopes - 1). */
  scopes: number;
  /** Scope i's name. */
  nameOf: (i: number) => string;
  /** How many entries scope i gets (keys k0, k1, …). */
  countOf: (i: number) => number;
  /** Entry k of scope i's value (default 'v'). */
  valueAt?: (i: number, k: number) => string;
  /** Runs after the writes, before the env closes (to drop a scope, or damage the registry). */
  afterWrites?: (env: RootDatabase, registry: GlobalScopeRegistry) => void;
}

/** An env in a fresh directory with a registry and the database `options` describes, in one transaction; returns its path (closed). */
export async function buildScopesEnv(prefix: string, options: ScopesEnvOptions): Promise<string> {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const env = open({ path, maxDbs: 10 });
  const registry = GlobalScopeRegistry.open(env);
  const builder = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name(options.db);
  const db = options.stats ? builder.withStats().create() : builder.create();
  env.transactionSync(() => {
    for (let i = 0; i < options.scopes; i++) {
      for (let k = 0; k < options.countOf(i); k++) db.putSync(options.nameOf(i), `k${k}`, options.valueAt?.(i, k) ?? 'v');
    }
  });
  options.afterWrites?.(env, registry);
  await env.close();
  return path;
}
