// The real binary, as a child process, on real stores: what it prints, its JSON, its exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { type RedisCluster, type RedisServer, startCluster, startSingle } from '@scoped-lmdb/redis/local-servers';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseInfo, ScanPage, ScopePage, ScopeStatsInfo } from '../src/index.js';
import { buildLmdbEnv, buildRedisStore, UNNAMED_ID } from './support/fixtures.js';
import { cli, cliBytes, digest } from './support/run.js';

let envPath: string;
let server: RedisServer;
let redisUrl: string;
const work = mkdtempSync(join(tmpdir(), 'scoped-cli-files-'));

beforeAll(async () => {
  envPath = await buildLmdbEnv();
  server = await startSingle({ appendfsync: 'no' });
  redisUrl = `redis://127.0.0.1:${server.port}`;
  await buildRedisStore(server.port);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(envPath, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** One line on stderr, naming the problem, no stack. */
function expectOneLine(stderr: string, text: string | RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('help and usage', () => {
  it('--help lists every command and --version prints the version', async () => {
    const help = await cli(['--help']);
    expect(help.status).toBe(0);
    for (const command of [
      'databases',
      'scopes',
      'stats',
      'get',
      'scan',
      'export',
      'import',
      'cp',
      'mv',
      'swap',
      'drop',
      'prune',
      'reclaim',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    const scopesHelp = await cli(['scopes', '--help']);
    expect(scopesHelp.stdout).toContain('--redis <url>');
    expect(scopesHelp.stdout).toContain('--sort <order>');
  });

  it('a usage error is one line and exit code 2', async () => {
    const missing = await cli(['scan', envPath]);
    expect(missing.status).toBe(2);
    expectOneLine(missing.stderr, "missing required argument 'db'");
    const unknown = await cli(['frobnicate']);
    expect(unknown.status).toBe(2);
    expectOneLine(unknown.stderr, "unknown command 'frobnicate'");
    const badLimit = await cli(['scopes', envPath, '--limit', 'x']);
    expect(badLimit.status).toBe(2);
    expectOneLine(badLimit.stderr, 'expected a whole number >= 1');
  });
});

const backends = [
  { name: 'lmdb', args: (command: string, ...rest: string[]) => [command, envPath, ...rest] },
  { name: 'redis', args: (command: string, ...rest: string[]) => [command, ...rest, '--redis', redisUrl] },
] as const;

describe.each(backends)('reading on $name', (backend) => {
  const lmdb = backend.name === 'lmdb';
  const run = (command: string, ...rest: string[]) => cli(backend.args(command, ...rest));

  it('databases: a table, and --json', async () => {
    const table = await run('databases');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^DATABASE\s+KIND\s+KEYS\s+VALUES\s+ENTRIES\s+BYTES$/m);
    expect(table.stdout).toMatch(/^events\s+\S+\s+ordered-binary\s+cbor\s/m);
    expect(table.stdout).toMatch(/^profiles\s+\S+\s+string\s+zod\(cbor\)\s/m);
    const json = (await run('databases', '--json')).json<DatabaseInfo[]>();
    expect(json.map((d) => d.name)).toEqual(
      lmdb ? ['blobs', 'events', 'legacy', 'profiles', 'users'] : ['events', 'legacy', 'profiles', 'users'],
    );
    expect(json.find((d) => d.name === 'users')).toMatchObject({ keyCodec: 'string', valueCodec: 'msgpack', stats: lmdb });
    if (lmdb) expect(table.stdout).toMatch(/^users\s+types\s+string\s+msgpack\s+7\s+\d+ B$/m);
  });

  it('scopes: the table names unnamed ids, pages print their cursor, --json has the page', async () => {
    const table = await run('scopes');
    expect(table.status).toBe(0);
    const labels = table.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s{2,}/)[0]);
    expect(labels).toEqual(['(default)', 'acme', 'ghost', 'globex', 'initech', `(unnamed ${UNNAMED_ID})`]);
    expect(table.stdout).toMatch(/^acme\s+(10|9)\s+-\s+[0-9a-f]{16}\s+.*events:5.*users:3/m);

    const first = await run('scopes', '--sort', 'entries', '--limit', '2');
    expect(first.stdout).toMatch(/^acme\s/m);
    const cursor = /more: --after (\S+)/.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const second = (await run('scopes', '--sort', 'entries', '--limit', '2', '--after', cursor as string, '--json')).json<ScopePage>();
    expect(second.scopes.map((s) => s.label)).toEqual(['(default)', 'initech']);
    const page = (await run('scopes', '--db', 'events', '--json')).json<ScopePage>();
    expect(page).toEqual({
      scopes: [expect.objectContaining({ name: 'acme', entries: 5 }), expect.objectContaining({ name: 'globex', entries: 1 })],
    });
    expect((await run('scopes', '--prefix', 'gh', '--json')).json<ScopePage>().scopes.map((s) => s.name)).toEqual(['ghost']);
  });

  it('stats, get and scan decode with the stored codecs', async () => {
    const stats = await run('stats', 'acme');
    expect(stats.stdout).toMatch(/^scope acme · id [0-9a-f]{16} · registered$/m);
    expect(stats.stdout).toMatch(/^users\s+3\s/m);
    expect(stats.stdout).toMatch(/^total\s+(10|9)\s/m);
    expect((await run('stats', '(default)', '--json')).json<ScopeStatsInfo>()).toMatchObject({ kind: 'default', entries: 1 });

    const get = await run('get', 'users', 'acme', 'u1');
    expect(get.stdout.trim()).toBe("{ name: 'Ada', age: 36 }");
    expect((await run('get', 'events', 'acme', '[2026,3]', '--json')).json()).toMatchObject({
      key: { json: [2026, 3] },
      value: { json: { kind: 'login', at: { $date: '2026-01-02T03:04:05.000Z' } }, decoded: true },
    });
    expect((await run('get', 'profiles', 'acme', 'ada')).stdout).toContain("plan: 'free'");

    const scan = await run('scan', 'events', 'acme', '--reverse', '--limit', '2');
    expect(scan.stdout).toMatch(/^KEY\s+VALUE\s+SIZE$/m);
    expect(scan.stdout.split('\n')[1]).toMatch(/^\[ 2026, 4 \]\s+\{ kind: 'logout'/);
    const next = /more: --after ([0-9a-f]+)/.exec(scan.stdout)?.[1] as string;
    const rest = (await run('scan', 'events', 'acme', '--reverse', '--after', next, '--json')).json<ScanPage>();
    expect(rest.entries.map((e) => e.key.json)).toEqual([2, 1, 0].map((i) => [2026, i]));
    const bounded = (await run('scan', 'events', 'acme', '--start', '[2026,1]', '--end', '[2026,3]', '--json')).json<ScanPage>();
    expect(bounded.entries.map((e) => e.key.json)).toEqual([
      [2026, 1],
      [2026, 2],
    ]);
    expect((await run('scan', 'users', 'acme', '--prefix', 'u', '--json')).json<ScanPage>().entries).toHaveLength(3);
  });

  it('bad input: one line on stderr, exit 1', async () => {
    const cases: [string[], string][] = [
      [['get', 'nope', 'acme', 'k'], 'there is no scoped database "nope" here'],
      [['stats', 'nobody'], 'scope "nobody" does not exist'],
      [['scan', 'users', 'nobody'], 'scope "nobody" does not exist'],
      [['get', 'users', 'acme', 'nobody'], 'no value under key "nobody"'],
      [['get', 'events', 'acme', '{"a":1}'], 'is not a key the "ordered-binary" codec can encode'],
      [['scopes', '--sort', 'size'], 'sort must be name, entries or bytes'],
      [['scopes', '--after', 'garbage'], 'is not a cursor'],
      [['scan', 'users', 'acme', '--prefix', 'u', '--start', 'u'], 'either a prefix or start/end'],
      [['swap', 'acme', '(default)'], 'the default scope cannot be'],
    ];
    for (const [args, message] of cases) {
      const result = await run(...(args as [string, ...string[]]));
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(1);
      expectOneLine(result.stderr, message);
    }
    const verbose = await run('stats', 'nobody', '--verbose');
    expect(verbose.status).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});

describe('bad stores', () => {
  it('a missing env, an unreachable Redis', async () => {
    const missing = await cli(['databases', join(work, 'nowhere')]);
    expect(missing.status).toBe(1);
    expectOneLine(missing.stderr, 'no LMDB environment at');
    const empty = mkdtempSync(join(work, 'empty-'));
    expectOneLine((await cli(['scopes', empty])).stderr, 'holds no data.mdb');
    const redis = await cli(['scopes', '--redis', 'redis://127.0.0.1:1']);
    expect(redis.status).toBe(1);
    expectOneLine(redis.stderr, 'cannot connect to Redis at redis://127.0.0.1:1');
    const notRedis = await cli(['scopes', '--redis', 'http://x']);
    expect(notRedis.status).toBe(2);
    expectOneLine(notRedis.stderr, 'is not a redis:// or rediss:// URL');
  });

  it('read commands leave the env as it was (it is opened read-only)', async () => {
    const before = digest(envPath);
    for (const args of [
      ['databases', envPath],
      ['scopes', envPath, '--sort', 'bytes'],
      ['stats', envPath, 'acme'],
      ['get', envPath, 'users', 'acme', 'u1'],
      ['scan', envPath, 'users', 'acme'],
      ['prune', envPath, '--dry-run'],
      ['export', envPath, 'acme', '-o', join(work, 'ro.dump')],
    ]) {
      expect((await cli(args)).status, args.join(' ')).toBe(0);
    }
    expect(digest(envPath)).toBe(before);
  });
});

/** A fresh copy of the fixture, for the commands that change it. */
async function freshEnv(): Promise<string> {
  return buildLmdbEnv();
}

describe('changing an LMDB env', () => {
  let path: string;
  beforeAll(async () => {
    path = await freshEnv();
  });
  afterAll(() => rmSync(path, { recursive: true, force: true }));

  it('destructive commands refuse without --yes when there is no terminal, and change nothing', async () => {
    const before = digest(path);
    for (const args of [
      ['drop', path, 'acme'],
      ['prune', path],
      ['del', path, 'users', 'acme', 'u1'],
      ['clear', path, 'acme'],
      ['cp', path, 'acme', 'globex', '--replace'],
      ['mv', path, 'acme', 'globex', '--replace'],
    ]) {
      const result = await cli(args);
      expect(result.status, args.join(' ')).toBe(1);
      expectOneLine(result.stderr, /refusing to .* without --yes: there is no terminal to confirm on/);
    }
    expect(digest(path)).toBe(before);
  });

  it('cp, mv, swap, del, clear, drop (with reclaim) and prune', async () => {
    const cp = await cli(['cp', path, 'acme', 'acme-copy']);
    expect(cp.status).toBe(0);
    expect(cp.stderr).toMatch(/^copy: 10 entries in \d+\.\ds$/m);
    const taken = await cli(['cp', path, 'acme', 'globex']);
    expectOneLine(taken.stderr, 'scope "globex" is registered or holds data; pass --replace to replace it [SCOPE_EXISTS]');
    expect((await cli(['mv', path, 'acme-copy', 'acme-2'])).stdout.trim()).toBe('renamed "acme-copy" to "acme-2"');
    expect((await cli(['swap', path, 'acme-2', 'globex', '--json'])).json()).toEqual({ swapped: ['acme-2', 'globex'] });
    expect((await cli(['stats', path, 'globex', '--json'])).json<ScopeStatsInfo>().entries).toBe(10);
    expect((await cli(['del', path, 'users', 'globex', 'u1', '--yes'])).stdout.trim()).toBe('removed 1 key');
    expect((await cli(['clear', path, 'globex', '--db', 'events', '--yes', '--json'])).json()).toEqual({ removed: 5 });
    const drop = await cli(['drop', path, 'acme-2', '--yes']);
    expect(drop.stdout.trim()).toBe('dropped "acme-2"');
    expect(drop.stderr).toMatch(/^reclaim: 3 entries in/m);
    const dry = await cli(['prune', path, '--dry-run', '--json']);
    expect(dry.json()).toEqual({ scopes: ['ghost'], dryRun: true });
    expect((await cli(['prune', path, '--yes'])).stdout).toBe('removed 1 empty scope(s):\n  ghost\n');
    expect((await cli(['prune', path, '--yes'])).stdout.trim()).toBe('no empty scopes');
    expect((await cli(['scopes', path, '--json'])).json<ScopePage>().scopes.map((s) => s.label)).toEqual([
      '(default)',
      'acme',
      'globex',
      'initech',
      `(unnamed ${UNNAMED_ID})`,
    ]);
  });
});

describe('export and import', () => {
  let path: string;
  beforeAll(async () => {
    path = await freshEnv();
  });
  afterAll(() => rmSync(path, { recursive: true, force: true }));

  it('round-trips through a file, and from LMDB to Redis and back through a pipe', async () => {
    const file = join(work, 'acme.dump');
    const exported = await cli(['export', path, 'acme', '-o', file]);
    expect(exported.status).toBe(0);
    expect(exported.stderr).toMatch(/^export: 10 entries in \d+\.\ds \(blobs:1 events:5 legacy:0 profiles:1 users:3\)$/m);
    expect(exported.stdout).toBe('');
    const imported = await cli(['import', path, 'acme-restored', file, '--json']);
    expect(imported.stderr).toBe('');
    expect(imported.json()).toMatchObject({ scope: 'acme-restored', entries: 10, perDatabase: { users: 3, events: 5 } });
    expect((await cli(['scan', path, 'events', 'acme-restored', '--json'])).json()).toEqual(
      (await cli(['scan', path, 'events', 'acme', '--json'])).json(),
    );

    // LMDB -> Redis through stdout and stdin; the blobs database exists only on LMDB: left out.
    const dump = await cliBytes(['export', path, 'acme', '--db', 'users', '--db', 'events', '--db', 'profiles', '-o', '-']);
    expect(dump.status).toBe(0);
    expect(dump.stdout.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x53, 0x4c, 0x44, 0x55, 0x4d, 0x50, 0x0a]));
    const toRedis = await cli(['import', 'from-lmdb', '-', '--redis', redisUrl], dump.stdout);
    expect(toRedis.status, toRedis.stderr).toBe(0);
    expect(toRedis.stderr).toMatch(/^import: 9 entries in/m);
    const back = await cliBytes(['export', 'from-lmdb', '-o', '-', '--redis', redisUrl]);
    const again = await cli(['import', path, 'from-redis', '-'], back.stdout);
    expect(again.status, again.stderr).toBe(0);
    expect((await cli(['get', path, 'events', 'from-redis', '[2026,4]', '--json'])).json()).toEqual(
      (await cli(['get', path, 'events', 'acme', '[2026,4]', '--json'])).json(),
    );
  });

  it('refuses a dump for other codecs, a damaged dump, a taken scope; --replace asks first', async () => {
    // An env whose "users" stores JSON, not msgpack: its dump does not fit the fixture's "users".
    const other = mkdtempSync(join(work, 'other-'));
    const env = open({ path: other, maxDbs: 10 });
    const registry = GlobalScopeRegistry.open(env);
    scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json()).name('users').create().putSync('t', 'k', { v: 1 });
    await env.close();
    const otherDump = join(work, 'other.dump');
    expect((await cli(['export', other, 't', '-o', otherDump])).status).toBe(0);
    const mismatch = await cli(['import', path, 'mismatch', otherDump]);
    expect(mismatch.status).toBe(1);
    expectOneLine(mismatch.stderr, /users.*\[CODEC_MISMATCH\]$/);

    const file = join(work, 'good.dump');
    await cli(['export', path, 'globex', '-o', file]);
    const bytes = readFileSync(file);
    const cut = join(work, 'cut.dump');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
    const damaged = await cli(['import', path, 'damaged', cut]);
    expect(damaged.status).toBe(1);
    expectOneLine(damaged.stderr, /\[STORAGE\]$/);
    const flipped = join(work, 'flipped.dump');
    const copy = Buffer.from(bytes);
    copy[copy.length - 20] = (copy[copy.length - 20] as number) ^ 0xff;
    writeFileSync(flipped, copy);
    expectOneLine((await cli(['import', path, 'damaged', flipped])).stderr, /\[STORAGE\]$/);
    expect((await cli(['stats', path, 'damaged'])).status).toBe(1);

    expectOneLine((await cli(['import', path, 'acme', file])).stderr, 'pass --replace to replace it [SCOPE_EXISTS]');
    expectOneLine((await cli(['import', path, 'acme', file, '--replace'])).stderr, 'refusing to replace scope acme');
    expect((await cli(['import', path, 'acme', file, '--replace', '--yes'])).status).toBe(0);
    expect((await cli(['stats', path, 'acme', '--json'])).json<ScopeStatsInfo>().entries).toBe(3);
    expectOneLine((await cli(['import', path, 'x', join(work, 'absent.dump')])).stderr, 'no dump at');
    expectOneLine((await cli(['export', path, 'nobody', '-o', join(work, 'n.dump')])).stderr, 'scope "nobody" does not exist');
    rmSync(other, { recursive: true, force: true });
  });

  it('--json prints the summary and no progress', async () => {
    const file = join(work, 'quiet.dump');
    const result = await cli(['export', path, 'globex', '-o', file, '--json']);
    expect(result.stderr).toBe('');
    expect(result.json()).toMatchObject({ scope: 'globex', file, entries: 3 });
  });
});

describe('changing a Redis store', () => {
  it('cp, mv, swap, drop and prune', async () => {
    const r = (...args: string[]) => cli([...args, '--redis', redisUrl]);
    expect((await r('cp', 'acme', 'acme-copy')).stderr).toMatch(/^copy: 9 entries in/m);
    expect((await r('mv', 'acme-copy', 'acme-2')).status).toBe(0);
    expect((await r('swap', 'acme-2', 'globex')).status).toBe(0);
    expect((await r('stats', 'globex', '--json')).json<ScopeStatsInfo>().entries).toBe(9);
    expectOneLine((await r('drop', 'acme-2')).stderr, 'refusing to drop scope "acme-2"');
    expect((await r('drop', 'acme-2', '--yes')).status).toBe(0);
    expect((await r('prune', '--yes', '--json')).json()).toEqual({ scopes: ['ghost'], dryRun: false });
    expect((await r('scopes', '--json')).json<ScopePage>().scopes.map((s) => s.label)).not.toContain('acme-2');
  });
});

describe('a Redis cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startCluster(3, { appendfsync: 'no' });
    await buildRedisStore(0, cluster.nodes);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is found from one node: listings cover every master, reads route by slot', async () => {
    const url = `redis://127.0.0.1:${cluster.nodes[1]?.port}`;
    const page = (await cli(['scopes', '--redis', url, '--json'])).json<ScopePage>();
    expect(page.scopes.map((s) => s.label)).toEqual(['(default)', 'acme', 'ghost', 'globex', 'initech', `(unnamed ${UNNAMED_ID})`]);
    expect(page.scopes.find((s) => s.kind === 'unnamed')?.entries).toBe(1);
    expect((await cli(['get', 'users', 'globex', 'u2', '--redis', url])).stdout.trim()).toBe("{ name: 'Marge' }");
    expect((await cli(['stats', 'acme', '--redis', url, '--json'])).json<ScopeStatsInfo>().entries).toBe(9);
  });
});
