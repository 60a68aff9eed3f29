import { spawn } from 'node:child_process';
import { PassThrough, Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { codecs, type DumpSummary, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { GlobalScopeRegistry } from '../src/index.js';
import { tempDir, tempEnv } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

function setup(env = tempEnv()) {
  const registry = GlobalScopeRegistry.open(env);
  const orders = scopedDatabaseOptions(env, { registry })
    .types(codecs.string(), codecs.json<unknown>())
    .name('orders')
    .withStats()
    .create();
  const users = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('users').create();
  return { env, registry, orders, users };
}

/** Exports `scope` into one byte array. */
async function dump(registry: GlobalScopeRegistry, scope: string, options?: Parameters<GlobalScopeRegistry['exportScope']>[2]) {
  const chunks: Uint8Array[] = [];
  const summary = await registry.exportScope(scope, (chunk) => void chunks.push(chunk), options);
  return { bytes: Buffer.concat(chunks), summary };
}

function fill(setupResult: ReturnType<typeof setup>, scope: string, n: number) {
  setupResult.env.transactionSync(() => {
    for (let i = 0; i < n; i++) setupResult.orders.putSync(scope, `o${String(i).padStart(6, '0')}`, { i, text: 'x'.repeat(i % 50) });
    setupResult.users.putSync(scope, 'alice', 'admin');
  });
}

describe('exportScope / importScope on LMDB', () => {
  it('round-trips a scope entry for entry, stats included, into another env', async () => {
    const a = setup();
    fill(a, 'tenant', 3000);
    a.orders.putSync('other', 'o1', 'not exported');
    const { bytes, summary } = await dump(a.registry, 'tenant');
    expect(summary).toEqual({ entries: 3001, databases: { orders: 3000, users: 1 } });

    const b = setup();
    const loaded = await b.registry.importScope(Readable.from([bytes]), 'copy');
    expect(loaded).toEqual(summary);
    expect([...b.orders.getRange('copy')]).toEqual([...a.orders.getRange('tenant')]);
    expect(b.users.get('copy', 'alice')).toBe('admin');
    expect(b.orders.getCount('other')).toBe(0);
    expect(b.orders.getStats('copy')).toEqual(a.orders.getStats('tenant'));
    expect(b.registry.scopeExists('copy')).toBe(true);
    // The scope works as any other afterwards.
    await b.orders.put('copy', 'new', 1);
    expect(b.orders.getStats('copy').entries).toBe(3001);
  });

  it('round-trips an empty key (a named scope holds one) as the first entry of its section', async () => {
    const a = setup();
    a.orders.putSync('t', '', 'empty key');
    a.orders.putSync('t', 'a', 'after it');
    const { bytes, summary } = await dump(a.registry, 't');
    expect(summary.databases.orders).toBe(2);
    const b = setup();
    await b.registry.importScope(Readable.from([bytes]), 'copy');
    expect([...b.orders.getRange('copy')]).toEqual([
      { key: '', value: 'empty key' },
      { key: 'a', value: 'after it' },
    ]);
  });

  it('exports chosen databases only, and imports chosen databases of a dump', async () => {
    const a = setup();
    fill(a, 't', 10);
    const { bytes, summary } = await dump(a.registry, 't', { databases: ['users'] });
    expect(summary).toEqual({ entries: 1, databases: { users: 1 } });
    const b = setup();
    await b.registry.importScope(Readable.from([bytes]), 't');
    expect(b.orders.getCount('t')).toBe(0);
    const all = await dump(a.registry, 't');
    expect(await b.registry.importScope(Readable.from([all.bytes]), 'u', { databases: ['orders'] })).toEqual({
      entries: 10,
      databases: { orders: 10 },
    });
    expect(b.users.getCount('u')).toBe(0);
  });

  it('streams to a slow writable stream with backpressure, one snapshot', async () => {
    const a = setup();
    fill(a, 't', 20_000);
    const received: Buffer[] = [];
    let drains = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk, _encoding, done) {
        received.push(chunk);
        setImmediate(done);
      },
    });
    slow.on('drain', () => drains++);
    const exporting = a.registry.exportScope('t', slow);
    // Writes made while the export runs are not in it (one read snapshot).
    await new Promise((resolve) => setImmediate(resolve));
    a.orders.putSync('t', 'zzz-late', 1);
    await exporting;
    expect(drains).toBeGreaterThan(0);
    // A stream can take many dumps: no listener is left on it.
    const reused = new Writable({ write: (_chunk, _encoding, done) => done() });
    const listeners = reused.listenerCount('error');
    for (let i = 0; i < 12; i++) await a.registry.exportScope('t', reused, { databases: ['users'] });
    expect(reused.listenerCount('error')).toBe(listeners);
    const b = setup();
    const loaded = await b.registry.importScope(Readable.from([Buffer.concat(received)]), 't');
    expect(loaded.databases.orders).toBe(20_000);
  });

  it('holds one reader slot per export while it runs, and none after, also when the sink fails', async () => {
    const a = setup();
    fill(a, 't', 30_000);
    // Reader table rows whose transaction id is set: snapshots held open.
    const readers = () =>
      a.env
        .readerList()
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((row) => /^\d+$/.test(row[0] ?? '') && row[2] !== '0' && row[2] !== '-').length;
    const idle = readers();
    let calls = 0;
    const failing = () => {
      if (++calls % 3 === 0) throw new Error('sink gave up');
    };
    // Many exports at once, each waiting on its sink between pages, with writes committing meanwhile.
    const running = Array.from({ length: 20 }, (_, i) =>
      a.registry
        .exportScope('t', i % 2 === 0 ? failing : async () => new Promise((resolve) => setImmediate(resolve)))
        .catch(() => 'failed'),
    );
    let most = 0;
    for (let i = 0; i < 20; i++) {
      a.orders.putSync('t', `w${i}`, i);
      await new Promise((resolve) => setImmediate(resolve));
      most = Math.max(most, readers());
    }
    expect(most).toBeGreaterThan(idle); // the measure sees the snapshots the exports hold
    await Promise.all(running);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readers()).toBeLessThanOrEqual(idle + 1);
  });

  it('reports progress with done and total on both sides', async () => {
    const a = setup();
    fill(a, 't', 25_000);
    const exported: [number, number][] = [];
    const { bytes } = await dump(a.registry, 't', { onProgress: (done, total) => exported.push([done, total]) });
    expect(exported.length).toBeGreaterThan(1);
    expect(exported.at(-1)).toEqual([25_001, 25_001]);
    expect(exported.every(([done, total], i) => total === 25_001 && (i === 0 || done > (exported[i - 1] as [number, number])[0]))).toBe(
      true,
    );
    const imported: [number, number][] = [];
    const b = setup();
    await b.registry.importScope(Readable.from([bytes]), 't', { onProgress: (done, total) => imported.push([done, total]) });
    expect(imported.at(-1)).toEqual([25_001, 25_001]);
    expect(imported.length).toBeGreaterThan(0);
  });

  it('is atomic: a reader during the import sees nothing, then everything', async () => {
    const a = setup();
    fill(a, 't', 60_000);
    const { bytes } = await dump(a.registry, 't');
    const b = setup();
    const seen: number[] = [];
    // Small pieces: many batches, each checked from outside.
    const source = Readable.from(
      (function* () {
        for (let at = 0; at < bytes.length; at += 256 * 1024) yield bytes.subarray(at, at + 256 * 1024);
      })(),
    );
    await b.registry.importScope(source, 't', {
      onProgress: () => {
        seen.push(b.orders.getCount('t'), b.users.getCount('t'));
        expect(b.registry.scopeExists('t')).toBe(false);
      },
    });
    expect(seen.length).toBeGreaterThan(2);
    expect(new Set(seen)).toEqual(new Set([0]));
    expect(b.orders.getCount('t')).toBe(60_000);
  });

  it('replaces a target only with replace, and readers see the old data until the switch', async () => {
    const a = setup();
    fill(a, 't', 5000);
    const { bytes } = await dump(a.registry, 't');
    const b = setup();
    b.orders.putSync('t', 'old', 'data');
    await expect(b.registry.importScope(Readable.from([bytes]), 't')).rejects.toEqual(code('SCOPE_EXISTS'));
    b.registry.registerScope('registered-only');
    await expect(b.registry.importScope(Readable.from([bytes]), 'registered-only')).rejects.toEqual(code('SCOPE_EXISTS'));
    expect(b.orders.get('t', 'old')).toBe('data');
    const during: unknown[] = [];
    await b.registry.importScope(Readable.from([bytes]), 't', { replace: true, onProgress: () => during.push(b.orders.get('t', 'old')) });
    expect(new Set(during)).toEqual(new Set(['data']));
    expect(b.orders.get('t', 'old')).toBeUndefined();
    expect(b.orders.getCount('t')).toBe(5000);
    expect(b.orders.getStats('t')).toEqual(a.orders.getStats('t'));
    // The replaced id is reclaimed.
    await b.registry.reclaim();
    expect(b.registry.pendingReclaim()).toBe(0);
  });

  it('refuses a target that got data while the import ran, and leaves that data', async () => {
    const a = setup();
    fill(a, 't', 30_000);
    const { bytes } = await dump(a.registry, 't');
    const b = setup();
    let wrote = false;
    const importing = b.registry.importScope(Readable.from([bytes]), 't', {
      onProgress: () => {
        if (!wrote) b.orders.putSync('t', 'racer', 1);
        wrote = true;
      },
    });
    await expect(importing).rejects.toEqual(code('SCOPE_EXISTS'));
    expect([...b.orders.getKeys('t')]).toEqual(['racer']);
    await b.registry.reclaim();
    expect(b.registry.pendingReclaim()).toBe(0);
  });
});

describe('importScope refusals: nothing written, the env keeps working', () => {
  async function expectNothingWritten(b: ReturnType<typeof setup>, attempt: Promise<DumpSummary>, errorCode: string, scope = 't') {
    await expect(attempt).rejects.toEqual(code(errorCode));
    expect(b.orders.getCount(scope)).toBe(0);
    expect(b.registry.scopeExists(scope)).toBe(false);
    await b.registry.reclaim();
    expect(b.registry.pendingReclaim()).toBe(0);
    b.orders.putSync(scope, 'after', 1);
    expect(b.orders.get(scope, 'after')).toBe(1);
  }

  it('B75: a dump for other codecs is CODEC_MISMATCH', async () => {
    const a = setup();
    fill(a, 't', 10);
    const { bytes } = await dump(a.registry, 't');
    const env = tempEnv();
    const registry = GlobalScopeRegistry.open(env);
    const orders = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('orders').create();
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.string()).name('users').create();
    const source = Readable.from([bytes]);
    await expect(registry.importScope(source, 't')).rejects.toEqual(
      expect.objectContaining({ code: 'CODEC_MISMATCH', message: expect.stringMatching(/"orders".*"json"/) }),
    );
    // The source is let go of, not left open.
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
    expect(orders.getCount('t')).toBe(0);
    expect(registry.scopeExists('t')).toBe(false);
  });

  it('B76: a dump naming a database the env does not have is INVALID_INPUT', async () => {
    const a = setup();
    fill(a, 't', 10);
    const { bytes } = await dump(a.registry, 't');
    const env = tempEnv();
    const registry = GlobalScopeRegistry.open(env);
    const orders = scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<unknown>()).name('orders').create();
    await expect(registry.importScope(Readable.from([bytes]), 't')).rejects.toEqual(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('no scoped database "users"') }),
    );
    expect(orders.getCount('t')).toBe(0);
    // Loading only the databases it has works.
    await registry.importScope(Readable.from([bytes]), 't', { databases: ['orders'] });
    expect(orders.getCount('t')).toBe(10);
  });

  it('B77: a truncated or corrupted dump is STORAGE, wherever the damage is', async () => {
    const a = setup();
    fill(a, 't', 40_000);
    const { bytes } = await dump(a.registry, 't');
    const b = setup();
    for (const cut of [5, 200, Math.floor(bytes.length / 2), bytes.length - 1]) {
      await expectNothingWritten(b, b.registry.importScope(Readable.from([bytes.subarray(0, cut)]), `cut${cut}`), 'STORAGE', `cut${cut}`);
    }
    for (const at of [12, Math.floor(bytes.length / 3), bytes.length - 3]) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 0x01;
      await expectNothingWritten(b, b.registry.importScope(Readable.from([bad]), `flip${at}`), 'STORAGE', `flip${at}`);
    }
  });

  it('B78: the default scope, a bad source or sink, bad options, an unknown scope or database', async () => {
    const a = setup();
    fill(a, 't', 3);
    const { bytes } = await dump(a.registry, 't');
    const bad = [
      a.registry.exportScope(null, () => {}),
      a.registry.importScope(Readable.from([bytes]), undefined),
      a.registry.exportScope('t', 42 as never),
      a.registry.importScope(42 as never, 'x'),
      a.registry.exportScope('t', () => {}, { databases: [] }),
      a.registry.exportScope('t', () => {}, { databases: ['nope'] }),
      a.registry.exportScope('t', () => {}, { onProgress: 1 as never }),
      a.registry.importScope(Readable.from([bytes]), 'x', { databases: ['nope'] }),
      a.registry.importScope(Readable.from([bytes]), 'x', { replace: 'yes' as never }),
      a.registry.exportScope('never-seen', () => {}),
    ];
    for (const attempt of bad) await expect(attempt).rejects.toEqual(code('INVALID_INPUT'));
    expect(a.registry.scopeExists('x')).toBe(false);
    expect(a.orders.getCount('t')).toBe(3);
  });

  it('B79: a sink or source that fails rejects the call, and an import leaves nothing', async () => {
    const a = setup();
    fill(a, 't', 30_000);
    await expect(
      a.registry.exportScope('t', () => {
        throw new Error('disk full');
      }),
    ).rejects.toEqual(expect.objectContaining({ code: 'STORAGE', message: expect.stringContaining('disk full') }));
    const { bytes } = await dump(a.registry, 't');
    const b = setup();
    const broken = new PassThrough();
    broken.write(bytes.subarray(0, bytes.length / 2));
    setImmediate(() => broken.destroy(new Error('connection reset')));
    await expectNothingWritten(b, b.registry.importScope(broken, 't'), 'STORAGE');
  });
});

describe('an import killed half-way', () => {
  it('is invisible to another process meanwhile, and its id is reclaimed at the next open', async () => {
    const path = tempDir();
    const first = tempEnv(path);
    const a = setup(first);
    fill(a, 'src', 40_000);
    const fixture = fileURLToPath(new URL('./fixtures/import-crash.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', fixture, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => text.includes('filling') && resolve());
      child.on('exit', () => reject(new Error('the child ended before it filled')));
    });
    // Entries are written under the reserved id, and this process sees none of them.
    expect(a.orders.getCount('victim')).toBe(0);
    expect(a.registry.scopeExists('victim')).toBe(false);
    child.kill('SIGKILL');
    await exited;
    await first.close();

    const env = tempEnv(path);
    const b = setup(env);
    // The dead importer's reservation became a tombstone at open: its entries wait for reclaim.
    expect(b.registry.pendingReclaim()).toBeGreaterThan(10_000);
    await b.registry.reclaim();
    expect(b.registry.pendingReclaim()).toBe(0);
    expect(b.registry.scopeExists('victim')).toBe(false);
    // Only the source's entries are left in the table.
    const table = env.openDB('orders_scoped', { keyEncoding: 'binary', encoding: 'binary' });
    expect(table.getCount({})).toBe(40_000);
  });
});
