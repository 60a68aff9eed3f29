import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { afterEach, expect } from 'vitest';
import { Scope } from '../src/index.js';

/** A fresh LMDB environment in a temp directory, closed and removed after the test. */
export function tempEnv(options: Parameters<typeof open>[0] = {}): RootDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-lmdb-core-'));
  const env = open({ path: dir, maxDbs: 64, ...(typeof options === 'object' ? options : {}) });
  cleanups.push(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return env;
}

// Byte values come back as Node Buffers (lmdb-js's own copies), keys as Uint8Array:
// compare bytes as bytes, whatever the Uint8Array subclass.
expect.addEqualityTesters([
  (a: unknown, b: unknown) => (a instanceof Uint8Array && b instanceof Uint8Array ? Buffer.compare(a, b) === 0 : undefined),
]);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Finds, by brute force, a scope name whose 8-byte id satisfies `test` (ids at the edges of the key space). */
export function findScopeName(prefix: string, test: (id: Uint8Array) => boolean): string {
  for (let i = 0; i < 5_000_000; i++) {
    const name = `${prefix}${i}`;
    if (test(Scope.named(name).id as Uint8Array)) return name;
  }
  throw new Error(`no scope name found for ${prefix}`);
}

export const edgeScopeNames = {
  startsWith00: findScopeName('lo-', (id) => id[0] === 0x00),
  startsWithFF: findScopeName('hi-', (id) => id[0] === 0xff),
  endsWithFF: findScopeName('carry-', (id) => id[7] === 0xff),
  endsWithFFFF: findScopeName('carry2-', (id) => id[6] === 0xff && id[7] === 0xff),
};

export const bytes = (...values: number[]) => new Uint8Array(values);
