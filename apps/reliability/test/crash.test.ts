import { setTimeout as sleep } from 'node:timers/promises';
import { codecs, keyFormat, Scope, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { hex, tempDir } from './helpers.js';
import { spawnFixture } from './spawn.js';

const ROUNDS = 30;

interface Reported {
  kind: 'C' | 'S';
  scope: string;
  n: number;
  round: number;
}

/** Starts the writer, lets it run for a random 50–400 ms after it is ready, then SIGKILLs it. */
async function runAndKill(path: string, round: number): Promise<{ reported: Reported[]; ranMs: number }> {
  const child = spawnFixture('crash-writer.ts', [path, String(round)]);
  let buffered = '';
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const reported: Reported[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? ''; // a line cut short by the kill is not a report
    for (const line of lines) {
      if (line === 'ready') ready();
      const [kind, scope, n] = line.split(' ');
      if ((kind === 'C' || kind === 'S') && scope && n) reported.push({ kind, scope, n: Number(n), round });
    }
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  await Promise.race([
    isReady,
    exited.then((how) => {
      throw new Error(`writer ${round} exited (${how}) before it was ready: ${stderr}`);
    }),
  ]);
  const delay = 50 + Math.floor(Math.random() * 350);
  const started = Date.now();
  await sleep(delay);
  child.kill('SIGKILL');
  const how = await exited;
  // It must have died from the kill, not from an error of its own.
  expect(how, stderr).toBe('SIGKILL');
  return { reported, ranMs: Date.now() - started };
}

describe('crash safety', () => {
  it(`a writer SIGKILLed at random moments ${ROUNDS} times loses no reported write, half-applies no transaction, leaves no unregistered scope`, async () => {
    const path = tempDir();
    const allReported: Reported[] = [];
    let roundsWithWrites = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const { reported } = await runAndKill(path, round);
      if (reported.length > 0) roundsWithWrites++;
      allReported.push(...reported);

      // Reopen as a fresh process would.
      const env = open({ path, maxDbs: 16 });
      try {
        const registry = GlobalScopeRegistry.open(env);
        const db = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<unknown>()).name('crash').create();

        // 1. Every write the child reported as committed is there, from every round so far.
        for (const { kind, scope, n, round: r } of allReported) {
          if (kind === 'C') {
            expect(db.get(scope, `a:${n}`), `${scope} a:${n}`).toEqual({ n, round: r });
            expect(db.get(scope, `b:${n}`), `${scope} b:${n}`).toEqual({ n, round: r });
          } else {
            expect(db.get(scope, `single:${n}`), `${scope} single:${n}`).toEqual({ n, round: r });
          }
        }

        // 2 and 3. Walk the raw table scope by scope: every id with data has a registry entry,
        // and inside each scope the pairs are whole.
        const raw = env.openDB('crash_scoped', { keyEncoding: 'binary', encoding: 'binary' });
        let from: Uint8Array | undefined = new Uint8Array(8);
        let scopesWithData = 0;
        while (from) {
          const [first] = [...raw.getKeys({ start: from, limit: 1 })] as Uint8Array[];
          if (!first) break;
          const { hash } = keyFormat.decode(first);
          const name = registry.getScopeName(hash as bigint);
          expect(name, `data under unregistered id ${hex(first.subarray(0, 8))}`).toBeDefined();
          const scope = Scope.named(name as string);
          expect(registry.scopeExists(scope)).toBe(true);
          const keys = new Set(db.getKeys(scope));
          for (const key of keys) {
            const [part, n] = key.split(':');
            if (part === 'a') expect(keys.has(`b:${n}`), `${name}: a:${n} without b:${n}`).toBe(true);
            if (part === 'b') expect(keys.has(`a:${n}`), `${name}: b:${n} without a:${n}`).toBe(true);
          }
          scopesWithData++;
          from = keyFormat.bounds(scope).end;
        }
        expect(db.isScopeEmpty(null)).toBe(true);
        if (allReported.length > 0) expect(scopesWithData).toBeGreaterThan(0);

        // 4. The store takes new writes, sync and async, in a new scope (registered with them).
        const probe = `probe-${round}`;
        db.putSync(probe, 'sync', round);
        expect(await db.put(probe, 'async', round)).toBe(true);
        expect(db.get(probe, 'sync')).toBe(round);
        expect(registry.scopeExists(probe)).toBe(true);
        expect(db.clearSync(probe)).toBe(2);
      } finally {
        await env.close();
      }
    }
    // The kills must have landed while the writer was writing, or the test proved nothing.
    expect(roundsWithWrites).toBeGreaterThan(ROUNDS / 2);
    expect(new Set(allReported.map((r) => r.n % 4)).size).toBe(4);
  }, 60_000);
});
