import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scope } from '@scoped-lmdb/core';
import { isClosed } from '@scoped-lmdb/core/internal';
import { open, type RootDatabase } from 'lmdb';
import { afterEach, expect } from 'vitest';

// Byte values come back as Node Buffers (lmdb-js's own copies), keys as Uint8Array:
// compare bytes as bytes, whatever the Uint8Array subclass.
expect.addEqualityTesters([
  (a: unknown, b: unknown) => (a instanceof Uint8Array && b instanceof Uint8Array ? Buffer.compare(a, b) === 0 : undefined),
]);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, whether it passed or not. */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A temp directory removed after the test. */
export function tempDir(prefix = 'scoped-lmdb-reliability-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type OpenOptions = Exclude<Parameters<typeof open>[0], string | undefined>;

/** A fresh LMDB environment in a temp directory, closed (then removed) after the test. */
export function tempEnv(options: OpenOptions = {}): RootDatabase {
  const path = tempDir();
  const env = open({ path, maxDbs: 64, ...options });
  onCleanup(async () => {
    if (!isClosed(env)) await env.close();
  });
  return env;
}

/** Brute force: a scope name whose 8-byte id satisfies `test`. */
export function findScopeName(prefix: string, test: (id: Uint8Array) => boolean, limit = 5_000_000): string {
  for (let i = 0; i < limit; i++) {
    const name = `${prefix}${i}`;
    if (test(idOf(name))) return name;
  }
  throw new Error(`no scope name with prefix ${prefix} passes the test`);
}

export const idOf = (name: string): Uint8Array => Scope.named(name).id as Uint8Array;

/** Names whose ids sit at the edges of the key space, where an off-by-one in the bounds shows. */
export const edgeScopeNames = {
  startsWith00: findScopeName('lo-', (id) => id[0] === 0x00),
  startsWithFF: findScopeName('hi-', (id) => id[0] === 0xff),
  endsWithFF: findScopeName('carry-', (id) => id[7] === 0xff),
  endsWithFFFF: findScopeName('carry2-', (id) => id[6] === 0xff && id[7] === 0xff),
  endsWith00: findScopeName('zero-', (id) => id[7] === 0x00),
};

/**
 * Two names whose ids share their first four bytes: adjacent in the table with (almost
 * certainly) nothing between them, so a bound that is one byte off reaches the other.
 */
export function adjacentScopeNames(prefix = 'twin-'): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; i < 2_000_000; i++) {
    const name = `${prefix}${i}`;
    const id = idOf(name);
    const head = new DataView(id.buffer, id.byteOffset, 8).getUint32(0);
    const other = seen.get(head);
    if (other !== undefined) {
      return Buffer.compare(idOf(other), id) < 0 ? [other, name] : [name, other];
    }
    seen.set(head, name);
  }
  throw new Error('no adjacent pair found');
}

/** Matches a ScopedDbError with `code`. */
export const scopedError = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

/** The error `run` throws (synchronously or by rejecting), or a failure if it does not. */
export async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, got none');
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
