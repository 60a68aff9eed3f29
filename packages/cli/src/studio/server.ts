/**
 * The studio's HTTP server (`node:http`, no framework). It listens on 127.0.0.1 only, and every
 * request must carry the instance's access token: once in the URL (`?token=…`, answered with a
 * cookie and a redirect to the same page without it), then in that cookie (HttpOnly,
 * SameSite=Strict, named after the port, so two studios on one machine keep apart), or in an
 * `X-Studio-Token` header. Anything else is 401. A Host header that is not this server's own is
 * refused too (a DNS-rebinding page cannot reach it under another name).
 *
 * GET pages are read from the store service and rendered by pages.ts. The write routes
 * (`POST /api/delete-key`, `/api/clear-scope`, `/api/drop-scope`) answer 403 on a read-only
 * studio whatever the request, 405 to anything but POST, 403 when the Origin is not this server,
 * and 415 unless the body is JSON (which a cross-site form cannot send).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScopedDbError } from '@scoped-lmdb/core';
import { checkWait } from '../paging.js';
import type { DatabaseInfo, ScopePage, ScopeRef, ScopeRow, ScopeSort, StoreService } from '../service.js';
import type { SafeHtml } from './html.js';
import { databasesPage, type EntriesQuery, entriesPage, errorPage, MAX_TRAIL, type PageContext, scopesPage, valuePage } from './pages.js';

/** Options of `startStudio`. */
export interface StudioOptions {
  /** The host to listen on: only `127.0.0.1` (or `localhost`, which means it) is accepted. Default `127.0.0.1`. */
  host?: string;
  /** The port (default 0: a free one). */
  port?: number;
  /** The access token (default: 24 random bytes, base64url); at least 16 characters. */
  token?: string;
  /**
   * How long, in ms, a scope page waits for the entry counts a database without stats must make
   * (a walk of its keys, once per env version) before it answers with their progress and asks
   * again in a moment (default 50).
   */
  countWaitMs?: number;
}

/** A running studio. */
export interface Studio {
  /** The URL to open, with the access token in it. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`: the origin write requests must come from. */
  readonly origin: string;
  /** The port it listens on. */
  readonly port: number;
  /** The access token. */
  readonly token: string;
  /** The name of the cookie that carries the token after the first visit. */
  readonly cookieName: string;
  /** Stops listening and ends open connections (the service stays open: its owner closes it). */
  close(): Promise<void>;
}

/** The hosts `startStudio` accepts. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);
/** Scope rows per page unless `limit` says otherwise, and entries per page. */
const SCOPES_PER_PAGE = 100;
const ENTRIES_PER_PAGE = 50;
/** Bars in the chart of the largest scopes. */
const CHART_BARS = 12;
/** How long the chart of the largest scopes is reused while paging (a write through the studio drops it at once). */
const CHART_TTL_MS = 30_000;
/** How long a scope page waits for counts a database must make, unless told (keeps each answer under 100 ms). */
const COUNT_WAIT_MS = 50;
/** The largest write request body read. */
const MAX_BODY = 64 * 1024;

const STATIC: Record<string, { type: string; file: string }> = {
  '/static/studio.js': { type: 'text/javascript; charset=utf-8', file: 'studio.js' },
  '/static/studio.css': { type: 'text/css; charset=utf-8', file: 'studio.css' },
};

/** The static files, read once: from the sources (src/studio), or next to the compiled module (dist/studio). */
const assets = new Map<string, Buffer>();
function asset(file: string): Buffer {
  let body = assets.get(file);
  if (!body) {
    body = readFileSync(new URL(`./assets/${file}`, import.meta.url));
    assets.set(file, body);
  }
  return body;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
} as const;

/** An error with the HTTP status to answer it with. */
class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function sameToken(given: string | undefined, token: Buffer): boolean {
  if (given === undefined) return false;
  const bytes = Buffer.from(given);
  return bytes.length === token.length && timingSafeEqual(bytes, token);
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Refuses (`INVALID_INPUT`) any host but 127.0.0.1 and localhost: the studio serves `location` to this machine only. */
export function checkHost(host: string, location: string): void {
  if (!LOOPBACK.has(host)) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `studio: refusing to listen on ${JSON.stringify(host)}: the studio serves ${location} to this machine only (127.0.0.1)`,
    );
  }
}

/**
 * Starts a studio on `service`. Writes are offered exactly when the service is writable
 * (`service.readOnly` false). A host other than 127.0.0.1 is refused with `INVALID_INPUT`
 * before anything listens.
 */
export async function startStudio(service: StoreService, options: StudioOptions = {}): Promise<Studio> {
  checkHost(options.host ?? '127.0.0.1', service.location);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ScopedDbError('INVALID_INPUT', `studio: the port must be a whole number from 0 to 65535, got ${String(options.port)}`);
  }
  const countWaitMs = checkWait(options.countWaitMs, 'studio: countWaitMs') ?? COUNT_WAIT_MS;
  const token = options.token ?? randomBytes(24).toString('base64url');
  if (token.length < 16 || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new ScopedDbError('INVALID_INPUT', 'studio: the access token must be at least 16 characters of A-Z, a-z, 0-9, _ and -');
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ScopedDbError(
          'INVALID_INPUT',
          `studio: cannot listen on 127.0.0.1:${port} (${error.code ?? error.message}); pick another --port, or 0 for a free one`,
          { cause: error },
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const handler = new Handler(service, Buffer.from(token), actual, countWaitMs);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handler.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      response.end(`internal error: ${(error as Error).message}`);
    });
  });
  const origin = `http://127.0.0.1:${actual}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port: actual,
    token,
    cookieName: handler.cookieName,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

class Handler {
  readonly #service: StoreService;
  readonly #token: Buffer;
  readonly #port: number;
  readonly #hosts: Set<string>;
  readonly #origins: Set<string>;
  readonly #context: PageContext;
  readonly cookieName: string;
  #databases: Promise<DatabaseInfo[]> | undefined;
  /** The chart's rows per database and prefix: a listing of its own (a pass over every scope), so paging does not redo it. */
  readonly #charts = new Map<string, { rows: ScopeRow[]; at: number }>();
  readonly #countWaitMs: number;

  constructor(service: StoreService, token: Buffer, port: number, countWaitMs: number) {
    this.#service = service;
    this.#countWaitMs = countWaitMs;
    this.#token = token;
    this.#port = port;
    this.#hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.#origins = new Set([...this.#hosts].map((h) => `http://${h}`));
    this.#context = { backend: service.backend, location: service.location, write: !service.readOnly };
    this.cookieName = `scoped_lmdb_studio_${port}`;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.#hosts.has(request.headers.host ?? '')) {
      return this.#text(response, 403, 'this studio answers only to 127.0.0.1 and localhost on its own port');
    }
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${this.#port}`);
    const fromQuery = url.searchParams.get('token') ?? undefined;
    const header = request.headers['x-studio-token'];
    const given = fromQuery ?? (typeof header === 'string' ? header : undefined) ?? cookie(request, this.cookieName);
    if (!sameToken(given, this.#token)) {
      return this.#text(response, 401, 'this studio needs its access token: open the URL that `scoped-lmdb studio` printed');
    }
    if (fromQuery !== undefined) {
      // The token leaves the address bar (and the history) at once; the cookie carries it from now on.
      url.searchParams.delete('token');
      response.writeHead(303, {
        location: url.pathname + url.search,
        'set-cookie': `${this.cookieName}=${fromQuery}; HttpOnly; SameSite=Strict; Path=/`,
        ...SECURITY_HEADERS,
      });
      response.end();
      return;
    }
    try {
      if (url.pathname.startsWith('/api/')) return await this.#write(request, response, url.pathname);
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new HttpError(405, `${request.method} is not allowed here`);
      if (url.pathname === '/favicon.ico') {
        response.writeHead(204, SECURITY_HEADERS);
        response.end();
        return;
      }
      const file = STATIC[url.pathname];
      if (file) {
        response.writeHead(200, { 'content-type': file.type, ...SECURITY_HEADERS });
        response.end(asset(file.file));
        return;
      }
      const page = await this.#page(url);
      this.#html(response, 200, page);
    } catch (error) {
      const status =
        error instanceof HttpError ? error.status : error instanceof ScopedDbError && error.code === 'INVALID_INPUT' ? 400 : 500;
      if (url.pathname.startsWith('/api/')) return this.#json(response, status, { error: (error as Error).message, code: codeOf(error) });
      this.#html(response, status, errorPage(this.#context, status, (error as Error).message));
    }
  }

  async #page(url: URL): Promise<SafeHtml> {
    const q = url.searchParams;
    switch (url.pathname) {
      case '/':
        this.#databases = undefined;
        return databasesPage(this.#context, await this.#allDatabases());
      case '/scopes':
        return this.#scopes(q);
      case '/entries':
        return this.#entries(q);
      case '/value':
        return this.#value(q);
      default:
        throw new HttpError(404, `there is no page ${url.pathname}`);
    }
  }

  /** The databases, read once per visit of the first page (they change only when a program creates one). */
  #allDatabases(): Promise<DatabaseInfo[]> {
    this.#databases ??= this.#service.databases().catch((error: unknown) => {
      this.#databases = undefined;
      throw error;
    });
    return this.#databases;
  }

  async #database(q: URLSearchParams): Promise<DatabaseInfo> {
    const name = q.get('db');
    if (name === null) throw new HttpError(400, 'which database? (the db parameter is missing)');
    const info = (await this.#allDatabases()).find((d) => d.name === name);
    if (info) return info;
    // Maybe created since the list was read.
    this.#databases = undefined;
    const fresh = (await this.#allDatabases()).find((d) => d.name === name);
    if (!fresh) throw new HttpError(404, `there is no scoped database ${JSON.stringify(name)} here`);
    return fresh;
  }

  async #scopes(q: URLSearchParams): Promise<SafeHtml> {
    const info = await this.#database(q);
    const sort = (q.get('sort') ?? 'name') as ScopeSort;
    const prefix = q.get('prefix') ?? '';
    const limit = pageLimit(q, SCOPES_PER_PAGE);
    const after = q.get('after') ?? undefined;
    const trail = (q.get('trail') ?? '').split('.').filter(Boolean).slice(-MAX_TRAIL);
    const filter = prefix ? { prefix } : {};
    // A database without stats counts its scopes once per version: past the wait, pages show how far it is.
    const waitMs = this.#countWaitMs;
    const page = await this.#service.scopes(info.name, { sort, limit, waitMs, ...filter, ...(after ? { after } : {}) });
    // The chart: by bytes where the database keeps them, else by entries; reuses the page when it is that very listing.
    const by = info.stats && info.totals?.bytes !== null && info.totals !== undefined ? 'bytes' : 'entries';
    const chartKey = `${info.name}\u0000${prefix}`;
    let chart: { rows: ScopeRow[]; counting?: ScopePage['counting']; stale?: boolean };
    const cached = this.#charts.get(chartKey);
    const chartOf = (listing: ScopePage) =>
      listing.counting ? { rows: [], counting: listing.counting } : { rows: listing.scopes, stale: listing.stale === true };
    if (sort === by && after === undefined) chart = chartOf(page);
    else if (cached && Date.now() - cached.at < CHART_TTL_MS) chart = cached;
    else {
      chart = chartOf(await this.#service.scopes(info.name, { sort: by, limit: CHART_BARS, waitMs, ...filter }));
    }
    // Counts of an earlier version are shown, not kept: the page reloads itself until they are of now.
    if (!chart.counting && !chart.stale && chart !== cached)
      this.#charts.set(chartKey, { rows: chart.rows.slice(0, CHART_BARS), at: Date.now() });
    const query = { db: info.name, sort, prefix, limit, trail, ...(after ? { after } : {}) };
    return scopesPage(
      this.#context,
      query,
      page.scopes,
      page.next,
      {
        rows: chart.rows.slice(0, CHART_BARS).map((row) => ({
          ...row,
          bytes: row.databases[info.name]?.bytes ?? null,
          entries: row.databases[info.name]?.entries ?? 0,
        })),
        by,
        ...(chart.counting ? { counting: chart.counting } : {}),
      },
      page.counting,
      page.stale === true || chart.stale === true,
    );
  }

  #entriesQuery(info: DatabaseInfo, q: URLSearchParams): EntriesQuery {
    const scope: ScopeRef = q.get('scope');
    return {
      db: info.name,
      scope,
      label: scope === null ? '(default)' : scope,
      keyCodec: info.keyCodec,
      prefix: q.get('prefix') ?? '',
      start: q.get('start') ?? '',
      end: q.get('end') ?? '',
      limit: pageLimit(q, ENTRIES_PER_PAGE),
    };
  }

  async #entries(q: URLSearchParams): Promise<SafeHtml> {
    const info = await this.#database(q);
    const query = this.#entriesQuery(info, q);
    const range = {
      ...(query.prefix ? { prefix: query.prefix } : {}),
      ...(query.start ? { start: query.start } : {}),
      ...(query.end ? { end: query.end } : {}),
    };
    const after = q.get('after') ?? undefined;
    const before = q.get('before') ?? undefined;
    try {
      if (before !== undefined) {
        // Back one page: the entries before `before`, read backwards, shown forwards.
        const back = await this.#service.scan(info.name, query.scope, { ...range, reverse: true, after: before, limit: query.limit });
        if (back.next !== undefined) {
          const entries = back.entries.reverse();
          return entriesPage(this.#context, query, entries, {
            before: back.next,
            after: entries.at(-1)?.key.hex as string,
            first: false,
          });
        }
        // Reached the start: show the first page as a forward read has it.
      }
      const page = await this.#service.scan(info.name, query.scope, {
        ...range,
        limit: query.limit,
        ...(before === undefined && after ? { after } : {}),
      });
      const first = before !== undefined || after === undefined;
      return entriesPage(this.#context, query, page.entries, {
        ...(first ? {} : { before: page.entries[0]?.key.hex ?? after }),
        ...(page.next ? { after: page.next } : {}),
        first,
      });
    } catch (error) {
      if (error instanceof ScopedDbError && error.code === 'INVALID_INPUT' && Object.keys(range).length > 0) {
        // A search the key codec cannot read: the page stays, with the reason.
        return entriesPage(this.#context, query, [], { first: true }, error.message);
      }
      throw error;
    }
  }

  async #value(q: URLSearchParams): Promise<SafeHtml> {
    const info = await this.#database(q);
    const query = this.#entriesQuery(info, q);
    const key = q.get('key');
    if (key === null || !/^(?:[0-9a-f]{2})+$/.test(key)) throw new HttpError(400, 'the key parameter must be the stored key as hex');
    const entry = await this.#service.get(info.name, query.scope, `hex:${key}`);
    if (!entry) throw new HttpError(404, `no entry with key bytes ${key} in ${query.label} of ${info.name} (deleted since?)`);
    return valuePage(this.#context, query, entry, { key: info.keyCodec, value: info.valueCodec });
  }

  async #write(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const action = WRITES[path];
    if (!action) throw new HttpError(404, `there is no route ${path}`);
    if (this.#service.readOnly) throw new HttpError(403, 'this studio is read-only: start it with --write to change the store');
    if (request.method !== 'POST') throw new HttpError(405, `${path} takes POST only`);
    const origin = request.headers.origin;
    if (origin === undefined || !this.#origins.has(origin)) {
      throw new HttpError(403, `${path}: writes are accepted only from the studio's own pages (Origin ${origin ?? 'missing'})`);
    }
    if (!/^application\/json(?:;|$)/.test(request.headers['content-type'] ?? '')) throw new HttpError(415, `${path} takes a JSON body`);
    const body = await readJson(request);
    const result = await action(this.#service, body);
    this.#charts.clear();
    this.#json(response, 200, result);
  }

  #html(response: ServerResponse, status: number, page: SafeHtml): void {
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS });
    response.end(page.markup);
  }

  #json(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
    response.end(JSON.stringify(body));
  }

  #text(response: ServerResponse, status: number, message: string): void {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    response.end(`${message}\n`);
  }
}

function codeOf(error: unknown): string {
  if (error instanceof ScopedDbError) return error.code;
  return error instanceof HttpError ? `HTTP_${error.status}` : 'INTERNAL';
}

function pageLimit(q: URLSearchParams, fallback: number): number {
  const text = q.get('limit');
  if (text === null) return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000)
    throw new HttpError(400, `limit must be a whole number from 1 to 1000, got ${JSON.stringify(text)}`);
  return limit;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'the request body is too large');
    chunks.push(chunk);
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'the request body must be a JSON object');
}

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') throw new HttpError(400, `the request needs "${name}" as a string`);
  return value;
}

/** The scope a write names: `scope` (a string), or `null` for the default scope. */
function scopeField(body: Record<string, unknown>): ScopeRef {
  if (body.scope === null) return null;
  return field(body, 'scope');
}

const WRITES: Record<string, (service: StoreService, body: Record<string, unknown>) => Promise<unknown>> = {
  '/api/delete-key': async (service, body) => {
    const key = field(body, 'key');
    if (!/^(?:[0-9a-f]{2})+$/.test(key)) throw new HttpError(400, '"key" must be the stored key as hex');
    return { deleted: await service.deleteKey(field(body, 'db'), scopeField(body), `hex:${key}`) };
  },
  '/api/clear-scope': async (service, body) => ({ removed: await service.clearScope(scopeField(body), field(body, 'db')) }),
  '/api/drop-scope': async (service, body) => {
    await service.dropScope(field(body, 'scope'));
    return { dropped: true };
  },
};
