/**
 * What the studio's tests share: a store with attacker-shaped names and enough scopes to page
 * (built on LMDB and on Redis from one description), the real binary started as a child
 * process, and the Debian chromium found on the PATH, driven by playwright-core.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cbor } from '@scoped-lmdb/codec-cbor';
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { type Codec, codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { openRedisScopedStore } from '@scoped-lmdb/redis';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import { Redis } from 'ioredis';
import { open } from 'lmdb';
import { type Browser, chromium, type Page } from 'playwright-core';
import { NODE_ARGS } from '../support/run.js';

/** A scope name, a key and a value that would run script if a page pasted them in as HTML. */
export const EVIL_SCOPE = '<script>window.__pwned=1</script>';
export const QUOTE_SCOPE = 'tom & "jerry" <b>bold</b>';
export const EVIL_KEY = '<img src=x onerror="window.__pwned=1">';
export const QUOTE_KEY = 'a&b "c" \'d\'';
export const EVIL_VALUE = { html: '</td><script>window.__pwned=1</script>', name: '"quoted" & <i>it</i>' };

/** Scopes `tenant-000`… in `users`: more than one page of 100. */
export const TENANTS = 240;
/** Entries of `acme` in `users`: three pages of 50. */
export const ACME_USERS = 120;
/** Entries of `acme` in `events`, keyed [2026, i]. */
export const ACME_EVENTS = 30;

export const tenantName = (i: number): string => `tenant-${String(i).padStart(3, '0')}`;
export const userKey = (i: number): string => `user-${String(i).padStart(3, '0')}`;

/** The large JSON value of docs/acme/big, for the value viewer. */
export const BIG_DOC = {
  title: 'A large document',
  owners: ['ada', 'grace'],
  sections: Array.from({ length: 60 }, (_, i) => ({
    id: i,
    heading: `Section ${i}`,
    tags: [`t${i % 5}`, `t${i % 7}`],
    body: { words: i * 37, draft: i % 3 === 0, note: i === 7 ? '<b>not bold</b>' : null },
  })),
};

/** Each entry of the fixture: database, scope (null: default), key, value. */
export interface FixtureEntry {
  db: 'users' | 'events' | 'docs';
  scope: string | null;
  key: unknown;
  value: unknown;
}

/** The fixture's entries (every database but the raw `blobs` one, which only LMDB has). */
export function fixtureEntries(tenants = TENANTS): FixtureEntry[] {
  const out: FixtureEntry[] = [];
  for (let i = 0; i < ACME_USERS; i++)
    out.push({ db: 'users', scope: 'acme', key: userKey(i), value: { name: `User ${i}`, age: 20 + (i % 50) } });
  for (const name of ['Hank', 'Marge', 'Bart']) out.push({ db: 'users', scope: 'globex', key: name.toLowerCase(), value: { name } });
  out.push({ db: 'users', scope: null, key: 'admin', value: { name: 'root' } });
  for (const scope of [EVIL_SCOPE, QUOTE_SCOPE]) {
    out.push({ db: 'users', scope, key: EVIL_KEY, value: EVIL_VALUE });
    out.push({ db: 'users', scope, key: QUOTE_KEY, value: { name: QUOTE_KEY } });
  }
  for (let t = 0; t < tenants; t++) {
    // Counts and sizes that do not follow the names, so each order differs.
    const count = ((t * 7) % 13) + 1;
    for (let i = 0; i < count; i++) {
      out.push({ db: 'users', scope: tenantName(t), key: userKey(i), value: { name: 'x'.repeat((t * 11) % 97), i } });
    }
  }
  for (let i = 0; i < ACME_EVENTS; i++)
    out.push({ db: 'events', scope: 'acme', key: [2026, i], value: { kind: i % 2 ? 'login' : 'logout', at: i } });
  out.push({ db: 'docs', scope: 'acme', key: 'big', value: BIG_DOC });
  out.push({ db: 'docs', scope: 'acme', key: EVIL_KEY, value: EVIL_VALUE });
  return out;
}

const CODECS: Record<FixtureEntry['db'], [Codec<unknown>, Codec<unknown>]> = {
  users: [codecs.string() as Codec<unknown>, msgpack()],
  events: [codecs.key() as Codec<unknown>, cbor()],
  docs: [codecs.string() as Codec<unknown>, codecs.json()],
};

/** Builds the LMDB fixture in a fresh directory (users with stats, events, docs, raw blobs) and returns its path. */
export async function buildStudioEnv(): Promise<string> {
  const path = mkdtempSync(join(tmpdir(), 'scoped-studio-env-'));
  const env = open({ path, maxDbs: 20 });
  const registry = GlobalScopeRegistry.open(env);
  const options = scopedDatabaseOptions(env, { registry });
  const users = options
    .types(...CODECS.users)
    .name('users')
    .withStats()
    .create();
  const events = options
    .types(...CODECS.events)
    .name('events')
    .create();
  const docs = options
    .types(...CODECS.docs)
    .name('docs')
    .create();
  const blobs = options.rawBytes().name('blobs').create();
  const dbs = { users, events, docs };
  env.transactionSync(() => {
    for (const entry of fixtureEntries()) dbs[entry.db].putSync(entry.scope, entry.key, entry.value);
    blobs.putSync('acme', new Uint8Array([1, 2, 3]), new Uint8Array([0xca, 0xfe]));
  });
  await env.close();
  return path;
}

/** Writes the fixture (fewer tenants: still more than a page) to the Redis server at `port`. */
export async function buildStudioRedis(port: number, tenants = 130): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  await client.connect();
  const store = await openRedisScopedStore(client);
  const dbs = {
    users: store.database('users', ...CODECS.users),
    events: store.database('events', ...CODECS.events),
    docs: store.database('docs', ...CODECS.docs),
  };
  const entries = fixtureEntries(tenants);
  for (let i = 0; i < entries.length; i += 200) {
    await Promise.all(entries.slice(i, i + 200).map((e) => dbs[e.db].put(e.scope, e.key, e.value)));
  }
  await client.quit();
}

/** A studio started by the real binary. */
export interface RunningStudio {
  /** The URL it printed (with the token). */
  url: string;
  /** Its origin. */
  origin: string;
  /** The token. */
  token: string;
  /** Everything it printed. */
  output(): string;
  /** Stops it with SIGTERM (by its PID) and waits for its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `scoped-lmdb studio <args>` on a free port and resolves once it prints its URL. */
export function startBinary(args: readonly string[]): Promise<RunningStudio> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [...NODE_ARGS, 'studio', ...args, '--port', '0'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the studio printed no URL in 20 s:\n${text}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)/.exec(text);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: `${match[1]}/?token=${match[2]}`,
        origin: match[1] as string,
        token: match[2] as string,
        output: () => text,
        stop: async () => {
          if (child.exitCode === null) process.kill(child.pid as number, 'SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the studio exited (${code}) before printing its URL:\n${text}`));
    });
  });
}

/** The chromium on the PATH (Debian's `chromium`; scripts/provision.mjs installs it). */
export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  throw new Error('no chromium on the PATH: run `node scripts/provision.mjs` (Debian: apt-get install chromium)');
}

/** Launches headless chromium (as root it needs --no-sandbox). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** Writes a screenshot of the window (1280 × 900 in these tests) to test/studio/screenshots/<name>.png (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Texts of the elements matching `selector`, in order. */
export function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allTextContents();
}
