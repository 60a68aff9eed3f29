import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { codecs, keyFormat, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { GlobalScopeRegistry } from '../src/index.js';
import { tempDir, tempEnv } from './helpers.js';

const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
const swapper = fileURLToPath(new URL('./fixtures/swap.ts', import.meta.url));

describe('pruning while another process writes', () => {
  it('never leaves data in an unregistered scope, even in scopes it pruned that the writer still had cached', async () => {
    const path = tempDir();
    const env = tempEnv(path);
    const registry = GlobalScopeRegistry.open(env);
    const db = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json()).name('orders').create();
    const rounds = 600;
    const child = spawn(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', writer, path, String(rounds)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    let pruned = 0;
    while (running) {
      pruned += registry.pruneGloballyUnusedScopes([db]).length;
      // Every scope with data is registered, at every moment we look.
      for (const scope of db.listScopes()) expect(registry.scopeExists(scope)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await exited).toBe(0);
    expect(output).toContain(`done ${rounds}`);
    pruned += registry.pruneGloballyUnusedScopes([db]).length;
    expect(pruned).toBeGreaterThan(0);
    // Exhaustively: every id holding data in the table is registered under its name.
    const scoped = env.openDB('orders_scoped', { keyEncoding: 'binary', encoding: 'binary' });
    let withData = 0;
    for (const key of scoped.getKeys({})) {
      const { hash } = keyFormat.decode(key as Uint8Array);
      expect(registry.getScopeName(hash as bigint)).toBeDefined();
      withData++;
    }
    expect(withData).toBe(rounds); // the scopes it emptied hold data again, and are registered again
  }, 60_000);
});

describe('a mapping changed by another process', () => {
  it('is read at the first read of the next turn, not answered from the cache of the turn before', async () => {
    const path = tempDir();
    const env = tempEnv(path);
    const registry = GlobalScopeRegistry.open(env);
    const db = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('docs').create();
    db.putSync('a', 'k', 'written to a');
    db.putSync('b', 'k', 'written to b');
    expect(db.get('a', 'k')).toBe('written to a'); // caches the id of "a"
    await new Promise((resolve) => setTimeout(resolve, 5)); // lmdb-js lets the read snapshot go
    const swap = spawnSync(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', swapper, path, 'a', 'b'], {
      encoding: 'utf8',
    });
    expect(swap.stderr).toBe('');
    expect(swap.status).toBe(0);
    // No write in between: the first read starts the new snapshot, and must see the swap.
    expect(db.get('a', 'k')).toBe('written to b');
    expect([...db.getRange('b')].map((e) => e.value)).toEqual(['written to a']);
  }, 30_000);
});

describe('a mapping changed through another handle on the same env file (as another process would)', () => {
  it('is read from the next synchronous block on, even when this one started its snapshot in the same event-loop iteration', async () => {
    const path = tempDir();
    const open = (env = tempEnv(path)) => {
      const registry = GlobalScopeRegistry.open(env);
      return { registry, db: scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('docs').create() };
    };
    // Two lmdb-js handles of one file keep read snapshots of their own, as two processes do.
    const here = open();
    const there = open();
    here.db.putSync('a', 'k', 'written to a');
    here.db.putSync('b', 'k', 'written to b');
    for (let round = 0; round < 20; round++) {
      const { before, after, expected } = await new Promise<Record<string, string | undefined>>((resolve) => {
        setTimeout(() => {
          const before = here.db.get('a', 'k'); // this timer's block starts a snapshot here
          there.registry.swapScopes('a', 'b');
          const expected = there.db.get('a', 'k');
          // The next turn (before lmdb-js's own setTimeout would let the snapshot go).
          setImmediate(() => resolve({ before, after: here.db.get('a', 'k'), expected }));
        }, 1);
      });
      expect(after, `round ${round}`).toBe(expected);
      expect(after).not.toBe(before);
    }
  });
});
