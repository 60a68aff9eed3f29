/**
 * Scope names whose 8-byte ids end in 0xFF (the scope's upper bound id + 1 carries one byte)
 * and in 0xFFFF (two bytes), found by brute force as the shared suite does (test-suite's
 * `edgeScopes`, which is vitest-bound, so the tape runner gets its own).
 */
import { Scope } from '@scoped-lmdb/core';

function* names(prefix: string, test: (id: Uint8Array) => boolean): Generator<string> {
  for (let i = 0; i < 50_000_000; i++) {
    const name = `${prefix}${i}`;
    if (test(Scope.named(name).id as Uint8Array)) yield name;
  }
}

/** `count` scope names whose ids end in exactly one 0xFF byte. */
export function endingInFF(count: number): string[] {
  const out: string[] = [];
  for (const name of names('ff-', (id) => id[7] === 0xff && id[6] !== 0xff)) {
    out.push(name);
    if (out.length === count) break;
  }
  return out;
}

/** One scope name whose id ends in 0xFFFF. */
export function endingInFFFF(): string {
  for (const name of names('ffff-', (id) => id[6] === 0xff && id[7] === 0xff)) return name;
  throw new Error('no scope name ends in 0xffff');
}
