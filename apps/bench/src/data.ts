import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFormat, Scope } from '@scoped-lmdb/core';
import { open, type RootDatabase } from 'lmdb';

/** A fresh LMDB environment in a temp directory; `dispose()` closes and removes it. */
export function tempEnv(
  maxDbs = 64,
  options: { noSync?: boolean; useWritemap?: boolean } = {},
): { env: RootDatabase; path: string; dispose(): Promise<void> } {
  const path = mkdtempSync(join(tmpdir(), 'scoped-lmdb-bench-'));
  const env = open({ path, maxDbs, ...options });
  return {
    env,
    path,
    async dispose() {
      await env.close();
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export interface DataSet {
  scopes: Scope[];
  /** keys[i] belongs to scopes[i % scopes.length]. */
  keys: Buffer[];
  /** id ‖ key: the same bytes a raw lmdb-js table holds for the baseline. */
  fullKeys: Buffer[];
  value: Buffer;
  scopeOf(i: number): Scope;
}

export function dataSet(entries: number, scopeCount: number, prefix = 'tenant'): DataSet {
  const scopes = Array.from({ length: scopeCount }, (_, i) => Scope.named(`${prefix}-${i}`));
  const keys = Array.from({ length: entries }, (_, i) => Buffer.from(`key-${String(i).padStart(8, '0')}`));
  const fullKeys = keys.map((key, i) => Buffer.from(keyFormat.encode(scopes[i % scopeCount], key)));
  return { scopes, keys, fullKeys, value: Buffer.alloc(100, 0x5a), scopeOf: (i) => scopes[i % scopeCount] as Scope };
}

/** `count` indices in [0, max), spread pseudo-randomly (deterministic). */
export function sample(count: number, max: number): number[] {
  let x = 0x9e3779b9;
  return Array.from({ length: count }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % max;
  });
}

/** Writes in transactions of 50k so a 1M load never holds one giant transaction. */
export function loadInBatches(env: RootDatabase, count: number, write: (i: number) => void): void {
  for (let start = 0; start < count; start += 50_000) {
    env.transactionSync(() => {
      for (let i = start; i < Math.min(count, start + 50_000); i++) write(i);
    });
  }
}
