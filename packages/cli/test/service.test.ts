// The store service on both backends, against the fixtures of support/fixtures.ts.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { type RedisServer, startSingle } from '@scoped-lmdb/redis/local-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbService, openRedisService, type StoreService } from '../src/index.js';
import { buildLmdbEnv, buildRedisStore, UNNAMED_ID } from './support/fixtures.js';

let envPath: string;
let server: RedisServer;

beforeAll(async () => {
  envPath = await buildLmdbEnv();
  server = await startSingle({ appendfsync: 'no' });
  await buildRedisStore(server.port);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(envPath, { recursive: true, force: true });
});

function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) if (file !== 'lock.mdb') hash.update(readFileSync(join(dir, file)));
  return hash.digest('hex');
}

const backends = [
  { name: 'lmdb', open: (write = false) => openLmdbService(envPath, { write }) },
  { name: 'redis', open: (write = false) => openRedisService(`redis://127.0.0.1:${server.port}`, { write }) },
] as const;

describe.each(backends)('the $name service', (backend) => {
  const lmdb = backend.name === 'lmdb';
  let service: StoreService;
  beforeAll(async () => {
    service = await backend.open();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('lists the databases with their stored codec names', async () => {
    const dbs = await service.databases();
    const byName = Object.fromEntries(dbs.map((d) => [d.name, d]));
    expect(byName.users).toMatchObject({ keyCodec: 'string', valueCodec: 'msgpack' });
    expect(byName.events).toMatchObject({ keyCodec: 'ordered-binary', valueCodec: 'cbor' });
    expect(byName.profiles).toMatchObject({ keyCodec: 'string', valueCodec: 'zod(cbor)' });
    if (lmdb) {
      expect(byName.users).toMatchObject({ kind: 'types', stats: true, totals: { entries: 7 } });
      expect(byName.blobs).toMatchObject({ kind: 'rawBytes', keyCodec: 'bytes', valueCodec: 'bytes', stats: false });
      expect(byName.events?.totals).toBeUndefined();
    }
  });

  it('lists scopes by name: default first, the renamed and the empty registered one, unnamed ids last', async () => {
    const page = await service.scopes();
    expect(page.scopes.map((s) => s.label)).toEqual(['(default)', 'acme', 'ghost', 'globex', 'initech', `(unnamed ${UNNAMED_ID})`]);
    const acme = page.scopes.find((s) => s.name === 'acme');
    expect(acme?.databases.users?.entries).toBe(3);
    expect(acme?.databases.events?.entries).toBe(5);
    expect(acme?.entries).toBe(lmdb ? 10 : 9);
    expect(page.scopes.find((s) => s.name === 'ghost')?.entries).toBe(0);
    expect(page.scopes.at(-1)).toMatchObject({ kind: 'unnamed', name: null, id: UNNAMED_ID, entries: 1 });
    // The renamed scope lives under an id that is not its name's hash.
    const initech = page.scopes.find((s) => s.name === 'initech');
    expect(initech?.entries).toBe(1);
    expect(initech?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(page.next).toBeUndefined();
  });

  it('pages with a cursor, sorts by entries, filters by prefix and by database', async () => {
    const first = await service.scopes(undefined, { limit: 2 });
    expect(first.scopes.map((s) => s.label)).toEqual(['(default)', 'acme']);
    const second = await service.scopes(undefined, { limit: 2, after: first.next as string });
    expect(second.scopes.map((s) => s.label)).toEqual(['ghost', 'globex']);
    const third = await service.scopes(undefined, { limit: 2, after: second.next as string });
    expect(third.scopes.map((s) => s.label)).toEqual(['initech', `(unnamed ${UNNAMED_ID})`]);
    expect(third.next).toBeUndefined();

    const byEntries = await service.scopes(undefined, { sort: 'entries', limit: 3 });
    expect(byEntries.scopes.map((s) => s.label)).toEqual(['acme', 'globex', '(default)']);
    expect((await service.scopes(undefined, { prefix: 'g' })).scopes.map((s) => s.label)).toEqual(['ghost', 'globex']);
    const events = await service.scopes('events');
    expect(events.scopes.map((s) => s.label)).toEqual(['acme', 'globex']);
    expect(Object.keys(events.scopes[0]?.databases ?? {})).toEqual(['events']);
    if (lmdb) {
      const byBytes = await service.scopes('users', { sort: 'bytes' });
      expect(byBytes.scopes[0]?.label).toBe('acme');
      expect(byBytes.scopes[0]?.bytes).toBeGreaterThan(0);
    }
  });

  it('refuses a bad sort, limit, cursor, database or scope with INVALID_INPUT', async () => {
    const bad = { code: 'INVALID_INPUT' };
    await expect(service.scopes(undefined, { sort: 'size' as 'name' })).rejects.toMatchObject(bad);
    await expect(service.scopes(undefined, { limit: 0 })).rejects.toMatchObject(bad);
    await expect(service.scopes(undefined, { after: 'nonsense' })).rejects.toMatchObject(bad);
    await expect(service.scopes('nope')).rejects.toMatchObject({ ...bad, message: expect.stringContaining('"nope"') });
    await expect(service.stats('nobody')).rejects.toMatchObject({ ...bad, message: expect.stringContaining('"nobody" does not exist') });
    await expect(service.scan('users', 'nobody')).rejects.toMatchObject(bad);
    await expect(service.get('users', 'acme', 'hex:zz')).rejects.toMatchObject(bad);
    await expect(service.scan('users', 'acme', { prefix: 'u', start: 'u' })).rejects.toMatchObject(bad);
  });

  it('gives one scope its counts in every database', async () => {
    const acme = await service.stats('acme');
    expect(acme).toMatchObject({ kind: 'named', name: 'acme', registered: true, entries: lmdb ? 10 : 9 });
    expect(acme.databases.users).toEqual(lmdb ? { entries: 3, bytes: expect.any(Number) } : { entries: 3, bytes: null });
    expect((await service.stats('ghost')).entries).toBe(0);
    expect((await service.stats(null)).databases.users?.entries).toBe(1);
  });

  it('decodes keys and values with the stored codecs', async () => {
    const ada = await service.get('users', 'acme', 'u1');
    expect(ada?.value.json).toEqual({ name: 'Ada', age: 36 });
    expect(ada?.value.decoded).toBe(true);
    expect(ada?.key).toMatchObject({ text: 'u1', json: 'u1', hex: '7531', size: 2 });
    expect(await service.get('users', 'acme', 'nobody')).toBeUndefined();
    // ordered-binary keys typed as JSON, cbor values with a Date
    const event = await service.get('events', 'acme', '[2026,1]');
    expect(event?.key.json).toEqual([2026, 1]);
    expect(event?.value.json).toEqual({ kind: 'login', at: { $date: '2026-01-02T03:04:05.000Z' } });
    // zod(cbor): the inner cbor codec reads it
    const profile = await service.get('profiles', 'acme', 'ada');
    expect(profile?.value.json).toEqual({ name: 'Ada', joined: { $date: '2026-01-02T03:04:05.000Z' }, plan: 'free' });
    if (lmdb) {
      const blob = await service.get('blobs', 'acme', '010203');
      expect(blob?.value).toMatchObject({ text: 'cafe', json: { $bytes: 'cafe' }, size: 2, hex: 'cafe' });
    }
  });

  it('scans in order, reversed, by bounds and prefix, in pages', async () => {
    const all = await service.scan('events', 'acme');
    expect(all.entries.map((e) => e.key.json)).toEqual([0, 1, 2, 3, 4].map((i) => [2026, i]));
    const reversed = await service.scan('events', 'acme', { reverse: true, limit: 2 });
    expect(reversed.entries.map((e) => e.key.json)).toEqual([
      [2026, 4],
      [2026, 3],
    ]);
    const rest = await service.scan('events', 'acme', { reverse: true, limit: 2, after: reversed.next as string });
    expect(rest.entries.map((e) => e.key.json)).toEqual([
      [2026, 2],
      [2026, 1],
    ]);
    const bounded = await service.scan('events', 'acme', { start: '[2026,1]', end: '[2026,3]' });
    expect(bounded.entries.map((e) => e.key.json)).toEqual([
      [2026, 1],
      [2026, 2],
    ]);
    expect((await service.scan('users', 'acme', { prefix: 'u' })).entries).toHaveLength(3);
    expect((await service.scan('users', 'acme', { prefix: 'u', reverse: true })).entries.map((e) => e.key.text)).toEqual([
      'u3',
      'u2',
      'u1',
    ]);
    expect((await service.scan('users', 'acme', { prefix: 'x' })).entries).toEqual([]);
  });

  it('reads an unnamed id: its counts, and its entries in pages', async () => {
    expect(await service.unnamedStats(UNNAMED_ID)).toMatchObject({ kind: 'unnamed', id: UNNAMED_ID, entries: 1, registered: false });
    const page = await service.unnamedScan('legacy', UNNAMED_ID);
    expect(page.entries.map((e) => [e.key.text, e.value.text])).toEqual([['note', 'kept from v0']]);
    expect((await service.unnamedScan('legacy', UNNAMED_ID, { reverse: true, prefix: 'no' })).entries).toHaveLength(1);
    expect((await service.unnamedScan('legacy', UNNAMED_ID, { start: 'o' })).entries).toEqual([]);
    const bad = { code: 'INVALID_INPUT' };
    await expect(service.unnamedStats('zz')).rejects.toMatchObject({ ...bad, message: expect.stringContaining('is not a scope id') });
    await expect(service.unnamedStats('0000000000000001')).rejects.toMatchObject({
      ...bad,
      message: expect.stringContaining('no data under id'),
    });
    await expect(service.unnamedScan('users', UNNAMED_ID)).rejects.toMatchObject(bad);
  });

  it('refuses every write when opened read-only', async () => {
    const refused = { code: 'INVALID_INPUT', message: expect.stringContaining('read-only') };
    await expect(service.deleteKey('users', 'acme', 'u1')).rejects.toMatchObject(refused);
    await expect(service.dropScope('acme')).rejects.toMatchObject(refused);
    await expect(service.prune()).rejects.toMatchObject(refused);
    await expect(service.copyScope('acme', 'copy')).rejects.toMatchObject(refused);
    expect((await service.prune({ dryRun: true })).scopes).toEqual(['ghost']);
  });
});

describe('the LMDB service opens read-only', () => {
  it('leaves the env byte for byte as it was after every read', async () => {
    const before = digest(envPath);
    const service = await openLmdbService(envPath);
    await service.databases();
    await service.scopes();
    await service.scopes('users', { sort: 'bytes' });
    await service.stats('acme');
    await service.scan('events', 'acme');
    await service.prune({ dryRun: true });
    await service.close();
    expect(digest(envPath)).toBe(before);
  });

  it('says so when there is no env', async () => {
    await expect(openLmdbService(join(envPath, 'missing'))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('does not exist'),
    });
  });
});

describe.each(backends)('writes through the $name service', (backend) => {
  it('copy, rename, swap, delete, clear, drop, reclaim and prune', async () => {
    const service = await backend.open(true);
    try {
      const progress: [number, number][] = [];
      expect(await service.copyScope('acme', 'acme-copy', { onProgress: (d, t) => progress.push([d, t]) })).toBe(
        backend.name === 'lmdb' ? 10 : 9,
      );
      expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
      await expect(service.copyScope('acme', 'globex')).rejects.toMatchObject({ code: 'SCOPE_EXISTS' });
      await service.renameScope('acme-copy', 'acme-2');
      await service.swapScopes('acme-2', 'globex');
      expect((await service.stats('globex')).databases.users?.entries).toBe(3);
      await expect(service.swapScopes('globex', 'typo')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await service.deleteKey('users', 'globex', 'u1')).toBe(true);
      expect(await service.deleteKey('users', 'globex', 'u1')).toBe(false);
      expect(await service.clearScope('globex', 'events')).toBe(5);
      await service.dropScope('acme-2');
      await expect(service.dropScope('nobody')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await service.reclaim();
      expect((await service.prune()).scopes.sort()).toEqual(['ghost']);
      expect((await service.scopes()).scopes.map((s) => s.label)).toEqual([
        '(default)',
        'acme',
        'globex',
        'initech',
        `(unnamed ${UNNAMED_ID})`,
      ]);
    } finally {
      await service.close();
    }
  }, 30_000);
});

async function exportToBuffer(service: StoreService, scope: string, databases?: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const result = await service.exportScope(scope, sink, databases ? { databases } : {});
  sink.end();
  expect(result.entries).toBe(Object.values(result.perDatabase).reduce((a, b) => a + b, 0));
  return Buffer.concat(chunks);
}

describe('export and import through the services', () => {
  it('an LMDB dump loads on Redis and back, entry for entry', async () => {
    const lmdb = await openLmdbService(envPath, { write: true });
    const redis = await openRedisService(`redis://127.0.0.1:${server.port}`, { write: true });
    try {
      const dump = await exportToBuffer(lmdb, 'acme', ['users', 'events', 'profiles']);
      const progress: number[] = [];
      const loaded = await redis.importScope(Readable.from([dump]), 'from-lmdb', { onProgress: (done) => progress.push(done) });
      expect(loaded).toMatchObject({ entries: 9, perDatabase: { users: 3, events: 5, profiles: 1 } });
      expect(progress.at(-1)).toBe(9);
      expect((await redis.scan('events', 'from-lmdb')).entries.map((e) => e.value.json)).toEqual(
        (await lmdb.scan('events', 'acme')).entries.map((e) => e.value.json),
      );
      const back = await exportToBuffer(redis, 'from-lmdb');
      await expect(lmdb.importScope(Readable.from([back]), 'acme')).rejects.toMatchObject({ code: 'SCOPE_EXISTS' });
      expect((await lmdb.importScope(Readable.from([back]), 'round-trip')).entries).toBe(9);
      expect((await lmdb.scan('users', 'round-trip')).entries).toEqual((await lmdb.scan('users', 'acme')).entries);
    } finally {
      await lmdb.close();
      await redis.close();
    }
  }, 30_000);

  it('refuses a damaged dump with STORAGE, and an unknown database or scope with INVALID_INPUT', async () => {
    const lmdb = await openLmdbService(envPath, { write: true });
    try {
      const dump = await exportToBuffer(lmdb, 'acme');
      await expect(lmdb.importScope(Readable.from([dump.subarray(0, dump.length - 3)]), 'cut')).rejects.toMatchObject({
        code: 'STORAGE',
      });
      expect((await lmdb.scopes(undefined, { prefix: 'cut' })).scopes).toEqual([]);
      await expect(lmdb.exportScope('nobody', new PassThrough())).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(lmdb.exportScope('acme', new PassThrough(), { databases: ['nope'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      await lmdb.close();
    }
  });
});
