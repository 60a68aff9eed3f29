import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { open } from 'lmdb';
import { loadInBatches, tempEnv } from '../data.js';
import type { Result, Settings, Sizes } from '../harness.js';

/**
 * `scoped-lmdb studio` (issue 18): how long each page takes to answer, over HTTP, from the real
 * binary serving an env of `10 × manyScopes` entries over `manyScopes` scopes (1 000 000 over
 * 100 000 in the full run; 50 000 over 5 000 with --quick). One scope holds a tenth of all
 * entries, the others ten each, in one database with stats and a registry (so the bytes order
 * and the chart have counts to sort by), and the same again in a database without stats, whose
 * count order needs the service's census (a walk of its keys per env version, made between
 * requests). The figure is the median time of one request; the baseline is the same server
 * answering its static stylesheet (the HTTP round trip itself). Target: every page under 100 ms.
 */
export async function* studio(sizes: Sizes, settings: Settings): AsyncGenerator<Result> {
  const scopes = sizes.manyScopes;
  const entries = scopes * 10;
  const big = entries / 10;
  const { env, path, dispose } = tempEnv();
  const registry = GlobalScopeRegistry.open(env);
  const options = scopedDatabaseOptions(env, { registry });
  const users = options.types(codecs.string(), msgpack()).name('users').withStats().create();
  const plain = options.types(codecs.string(), msgpack()).name('plain').create();
  const tenant = (i: number) => `tenant-${String(i).padStart(6, '0')}`;
  const value = { name: 'Ada Lovelace', plan: 'pro', seats: 12, tags: ['a', 'b'] };
  // Entry i < big goes to tenant-000000 (the big scope); the rest spread ten per scope.
  loadInBatches(env, entries, (i) => {
    const scope = i < big ? tenant(0) : tenant(1 + Math.floor((i - big) / ((entries - big) / (scopes - 1))));
    users.putSync(scope, `key-${String(i).padStart(8, '0')}`, { ...value, seats: i % 97 });
    plain.putSync(scope, `key-${String(i).padStart(8, '0')}`, { ...value, seats: i % 97 });
  });
  await env.close();

  const server = await startStudio(path);
  try {
    const get = async (url: string): Promise<string> => {
      const response = await fetch(`${server.origin}${url}`, { headers: { 'x-studio-token': server.token } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`studio bench: ${url} answered ${response.status}: ${body.slice(0, 200)}`);
      return body;
    };
    const rounds = Math.max(5, settings.rounds);
    // A commit from this process before each request (untimed): the studio's service keeps a
    // whole-store pass's page only while the env is unchanged, so this times the pass itself.
    const toucher = open({ path, maxDbs: 16 });
    const touched = toucher.openDB<number, string>({ name: 'bench-touch' });
    let touches = 0;
    const touch = () => touched.putSync('n', ++touches);
    const time = async (url: string, before?: () => unknown): Promise<number> => {
      await get(url);
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        await before?.();
        const started = performance.now();
        await get(url);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      return times[times.length >> 1] as number;
    };
    const baseline = await time('/static/studio.css');
    const nextOf = (page: string, kind: 'page-next') => {
      const href = new RegExp(`class="${kind}" href="([^"]+)"`).exec(page)?.[1];
      if (!href) throw new Error('studio bench: the page has no Next link');
      return href.replace(/&amp;/g, '&');
    };
    const scopesPage = '/scopes?db=users';
    const third = nextOf(await get(nextOf(await get(scopesPage), 'page-next')), 'page-next');
    const bigScope = `/entries?db=users&scope=${tenant(0)}`;
    const pages: [string, string][] = [
      ['databases', '/'],
      [`scopes by name, first page (of ${scopes.toLocaleString('en')}, with the chart by bytes)`, scopesPage],
      ['scopes by name, third page (cursor)', third],
      ['scopes by bytes, largest first', `${scopesPage}&sort=bytes`],
      ['scopes by entries, largest first', `${scopesPage}&sort=entries`],
      ['scopes, name prefix filter', `${scopesPage}&prefix=${tenant(5).slice(0, -2)}`],
      [`entries of the ${big.toLocaleString('en')}-entry scope, first page`, bigScope],
      [
        'entries, a page in the middle (after cursor)',
        `${bigScope}&after=${Buffer.from(`key-${String(big >> 1).padStart(8, '0')}`).toString('hex')}`,
      ],
      [
        'entries, back one page (before cursor)',
        `${bigScope}&before=${Buffer.from(`key-${String(big >> 1).padStart(8, '0')}`).toString('hex')}`,
      ],
      [
        'entries, key range search',
        `${bigScope}&start=key-${String(big >> 2).padStart(8, '0')}&end=key-${String((big >> 2) + 30).padStart(8, '0')}`,
      ],
      ['entries of a 10-entry scope', `/entries?db=users&scope=${tenant(scopes >> 1)}`],
      ['value viewer', `/value?db=users&scope=${tenant(0)}&key=${Buffer.from('key-00000042').toString('hex')}`],
    ];
    const afterCommit: [string, string][] = [
      ['scopes by bytes, right after a commit (no kept page)', `${scopesPage}&sort=bytes`],
      ['scopes by entries, right after a commit (no kept page)', `${scopesPage}&sort=entries`],
    ];
    // The database without stats: right after a commit its census starts again, and the page shows
    // the counts of the census before it, marked stale; `walked` waits, untimed, until a page of
    // another size has been served from a census (or search) of now.
    const plainPage = '/scopes?db=plain';
    const walked = (url: string) => async () => {
      touch();
      while ((await get(`${url}&limit=99`)).includes('class="counting'));
    };
    // The last page by name: the named scopes end on it, then the unnamed ids (none here) are searched for.
    const cursor = Buffer.from(JSON.stringify(['name', 0, 1, tenant(scopes - 40)])).toString('base64url');
    const lastPage = `${scopesPage}&after=${cursor}`;
    afterCommit.push(
      ['no-stats database: scopes by name with the chart, right after a commit (earlier counts)', plainPage],
      ['no-stats database: scopes by entries, right after a commit (earlier counts, counting again)', `${plainPage}&sort=entries`],
      ['no-stats database: scopes by bytes (= by name), right after a commit (chart: earlier counts)', `${plainPage}&sort=bytes`],
      ['scopes by name, the last page, right after a commit (the search for unnamed ids under way)', lastPage],
    );
    const rows: [string, string, (() => unknown) | undefined][] = [
      ...pages.map(([n, u]) => [n, u, undefined] as [string, string, undefined]),
      ...afterCommit.map(([n, u]) => [n, u, touch] as [string, string, () => void]),
      [
        'no-stats database: scopes by entries, once counted (no kept page)',
        `${plainPage}&sort=entries`,
        walked(`${plainPage}&sort=entries`),
      ],
      ['scopes by name, the last page, once searched', lastPage, walked(lastPage)],
    ];
    for (const [name, url, before] of rows) {
      const ms = await time(url, before);
      yield {
        name: `studio page: ${name}`,
        ours: ms,
        baseline,
        ratio: ms / baseline,
        target: '< 100 ms',
        pass: ms < 100,
        unit: 'ms',
        note: `${entries.toLocaleString('en')} entries, ${scopes.toLocaleString('en')} scopes; baseline: the static stylesheet`,
      };
    }
    await toucher.close();
  } finally {
    await server.stop();
    await dispose();
  }
}

/** Starts the real `scoped-lmdb studio` binary on `path` (read-only, a free port) and reads its URL. */
async function startStudio(path: string): Promise<{ origin: string; token: string; stop(): Promise<void> }> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('@scoped-lmdb/cli/package.json')), 'bin', 'scoped-lmdb.js');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@scoped-lmdb/source', '--import', 'tsx', bin, 'studio', path, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<URL>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(text);
      if (match) resolve(new URL(match[1] as string));
    });
    exited.then(() => reject(new Error(`studio bench: the studio exited before printing its URL:\n${text}`)));
  });
  return {
    origin: url.origin,
    token: url.searchParams.get('token') as string,
    stop: async () => {
      if (child.exitCode === null) process.kill(child.pid as number, 'SIGTERM');
      await exited;
    },
  };
}
