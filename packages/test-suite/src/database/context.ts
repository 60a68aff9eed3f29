/**
 * What every behaviour group gets: the backend (opened before the first test), fresh
 * databases, the `supports` manifest, and the helpers the groups share.
 */
import { type Codec, codecs, Scope, type ScopedDbErrorCode } from '@scoped-lmdb/core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { SuiteBackend, SuiteDatabase, Supports } from './backend.js';

export interface SuiteContext {
  /** What the backend supports. */
  readonly supports: Supports;
  /** The open backend (inside tests and hooks only). */
  readonly backend: SuiteBackend;
  /** A database name no other test of this run uses. */
  freshName(): string;
  /** A database under a fresh name. */
  database<K, V>(keyCodec: Codec<K>, valueCodec: Codec<V>): SuiteDatabase<K, V>;
  /** String keys, JSON values. */
  stringDb(): SuiteDatabase<string, unknown>;
  /** Byte keys, string values. */
  bytesDb(): SuiteDatabase<Uint8Array, string>;
}

/** Opens the backend in `beforeAll` and closes it in `afterAll` of the enclosing `describe`. */
export function suiteContext(open: () => SuiteBackend | Promise<SuiteBackend>, supports: Supports): SuiteContext {
  let backend: SuiteBackend | undefined;
  let counter = 0;
  // A run prefix: a backend that keeps data between runs (a shared server) never sees an old database.
  const run = Math.random().toString(36).slice(2, 8);
  beforeAll(async () => {
    backend = await open();
  });
  afterAll(async () => {
    await backend?.close?.();
  });
  const context: SuiteContext = {
    supports,
    get backend() {
      if (!backend) throw new Error('the backend is open only inside tests and hooks');
      return backend;
    },
    freshName: () => `t${run}-${++counter}`,
    database: (keyCodec, valueCodec) => context.backend.database(context.freshName(), keyCodec, valueCodec),
    stringDb: () => context.database(codecs.string(), codecs.json<unknown>()),
    bytesDb: () => context.database(codecs.bytes(), codecs.string()),
  };
  return context;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** `run` must reject (a range: fail from its first `next()`) with a ScopedDbError of `code`, never throw synchronously. */
export async function rejectsWith(run: () => Promise<unknown> | AsyncIterable<unknown>, code: ScopedDbErrorCode): Promise<void> {
  let result: Promise<unknown> | AsyncIterable<unknown>;
  try {
    result = run();
  } catch (error) {
    throw new Error(`expected a rejection with ${code}, but the call threw synchronously: ${String(error)}`);
  }
  const settled = Symbol.asyncIterator in result ? collect(result) : result;
  await expect(settled).rejects.toMatchObject({ name: 'ScopedDbError', code });
}

/** Finds, by brute force, a scope name whose 8-byte id passes `test` (ids at the edges of the 64-bit space). */
function findScopeName(prefix: string, test: (id: Uint8Array) => boolean): string {
  for (let i = 0; i < 10_000_000; i++) {
    const name = `${prefix}${i}`;
    if (test(Scope.named(name).id as Uint8Array)) return name;
  }
  throw new Error(`no scope name found for ${prefix}`);
}

let edges: { startsWith00: string; startsWithFF: string; endsWithFF: string } | undefined;

/** Scope names at the edges of the id space, where a wrong bound bleeds into a neighbour; computed once. */
export function edgeScopes(): NonNullable<typeof edges> {
  edges ??= {
    startsWith00: findScopeName('lo-', (id) => id[0] === 0x00),
    startsWithFF: findScopeName('hi-', (id) => id[0] === 0xff),
    endsWithFF: findScopeName('carry-', (id) => id[7] === 0xff),
  };
  return edges;
}

export const byteOrder = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
export const bytes = (...values: number[]) => new Uint8Array(values);
export const hex = (key: Uint8Array) => Buffer.from(key).toString('hex');
