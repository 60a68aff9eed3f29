/**
 * The lifecycle of named scopes on Redis (API.md v2 "Scope lifecycle", README "Steps"):
 * drop, rename, swap and copy as steps on the id slots and home entries involved, and
 * reclaim of dropped ids. Each call takes its place in the write order of every scope it
 * touches when it is called, waits for the writes before it to be acknowledged, and holds
 * those scopes' writes until it is done, so un-awaited writes and lifecycle calls apply in
 * call order.
 */
import { type NamedScope, Scope, ScopedDbError, type ScopeLike } from '@scoped-lmdb/core';
import { checkLifecycleOptions, checkReclaimOptions } from '@scoped-lmdb/core/internal';
import type { RedisCaller } from './caller.js';
import { type Engine, type EntryStep, type IdStep, type Intent, newToken, type Step } from './engine.js';
import { idInfo, mapLimited } from './id-info.js';
import {
  countKeys,
  dataKeys,
  hashTag,
  idHex,
  idOfReservation,
  idOfTombstone,
  idRecordKeys,
  RESERVATION_PATTERN,
  TOMBSTONE_PATTERN,
} from './layout.js';
import { type Life, type Located, type Router, randomId } from './routes.js';
import {
  COPY_PAGE_SCRIPT,
  COUNT_SCRIPT,
  DROP_SCRIPT,
  FILL_SCRIPT,
  idRecordArgs,
  RECLAIM_SCRIPT,
  STEP_SCRIPT,
  UNBIND_SCRIPT,
} from './scripts.js';
import type { WriteOrder } from './write-order.js';

/** Entries a copy moves per round trip (one page read, one batch written). */
const COPY_BATCH = 2_000;
/** A reservation whose copy wrote nothing for this long (its master's clock) belongs to a copier that stopped. */
export const RESERVATION_STALE_MS = 60_000;
/** How long after a store opens it looks for reclaim left by earlier processes. */
const OPEN_RECLAIM_DELAY_MS = 1_000;
/** Tries of one lifecycle call whose records changed under it before it gives up (STORAGE). */
const ATTEMPTS = 8;

/** Options of `copyScope`. */
export interface CopyScopeOptions {
  /** Drop a target that is registered or holds data, as the copy becomes visible. */
  replace?: boolean;
  /** Called after every batch with the entries copied so far and the total. */
  onProgress?: (copied: number, total: number) => void;
}

/** Writes one batch of an import into its reserved id: (database, encoded key, stored value) triples. */
export type FillWriter = (batch: readonly (readonly [database: string, key: Buffer, value: Buffer])[]) => Promise<void>;

/** What the lifecycle needs from its store. */
export interface LifecycleContext {
  readonly caller: RedisCaller;
  readonly router: Router;
  readonly engine: Engine;
  readonly order: WriteOrder;
  /** Key names matching a SCAN pattern on every master. */
  scanKeys(pattern: string): Promise<string[]>;
  /** True inside a transaction callback, where a lifecycle call would wait for itself. */
  insideTransaction(): boolean;
  /** The databases recorded as keeping stats (a copy counts what it writes to them). */
  statsDatabases(): Promise<string[]>;
}

function named(scope: ScopeLike, method: string): NamedScope {
  const s = Scope.from(scope);
  if (!s.isNamed()) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `${method}: the default scope cannot be dropped, renamed, swapped or copied (clear it with clearSync)`,
    );
  }
  return s;
}

function describe(scope: Scope): string {
  return `scope ${JSON.stringify(scope.name)}`;
}

function tombstone(name: string): string {
  return JSON.stringify({ name, at: Date.now() });
}

function taken(method: string, scope: NamedScope): ScopedDbError {
  return new ScopedDbError(
    'SCOPE_EXISTS',
    `${method}: ${describe(scope)} is registered or holds data; pass { replace: true } to replace it`,
  );
}

function missing(method: string, scope: NamedScope): ScopedDbError {
  return new ScopedDbError('INVALID_INPUT', `${method}: ${describe(scope)} does not exist`);
}

function gaveUp(method: string): ScopedDbError {
  return new ScopedDbError('STORAGE', `${method}: the scopes' records kept changing under it; nothing was changed`);
}

/** Runs `run` as an async step whose synchronous argument checks reject instead of throwing. */
function rejecting<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (error) {
    return Promise.reject(error);
  }
}

export class Lifecycle {
  /** Ids this store dropped and has not reclaimed yet: the background pass needs no SCAN for them. */
  readonly #dropped = new Set<bigint>();
  #reclaiming: Promise<number> | undefined;
  /** The pending background pass: when it runs, and whether it SCANs for tombstones left by others. */
  #scheduled: { timer: NodeJS.Timeout; at: number; scan: boolean } | undefined;

  constructor(
    private readonly context: LifecycleContext,
    private readonly background: boolean,
  ) {
    // Tombstones left by an earlier process (or one that crashed) are picked up here.
    if (background) this.#schedule(OPEN_RECLAIM_DELAY_MS, true);
  }

  async idOf(scope: ScopeLike): Promise<bigint | undefined> {
    const s = Scope.from(scope);
    if (!s.isNamed()) return undefined;
    return (await this.context.router.locate(s, 'idOf')).id;
  }

  dropScope(scope: ScopeLike): Promise<void> {
    return rejecting(() => {
      const s = named(scope, 'dropScope');
      return this.#exclusive([s], 'dropScope', async () => {
        const dropped = await this.#drop(s);
        this.context.router.reset(s.name, undefined);
        if (dropped !== undefined) this.#reclaimSoon(dropped);
      });
    });
  }

  renameScope(from: ScopeLike, to: ScopeLike, options: { replace?: boolean } = {}): Promise<void> {
    return rejecting(() => {
      const a = named(from, 'renameScope');
      const b = named(to, 'renameScope');
      checkLifecycleOptions(options, 'renameScope');
      const replace = options.replace === true;
      if (a.equals(b)) {
        // Like Redis RENAME of a key onto itself: nothing to do, but the scope must exist.
        return this.#exclusive([a], 'renameScope', async () => {
          if ((await this.#locate(a)).id === undefined) throw missing('renameScope', a);
        });
      }
      return this.#exclusive([a, b], 'renameScope', async () => {
        // First from what this store knows (its steps check every record anyway); after a miss, fresh.
        let fresh = false;
        for (let attempt = 0; attempt < ATTEMPTS; attempt++, fresh = true) {
          const source = fresh ? await this.#locate(a) : await this.#known(a);
          if (source.id === undefined) throw missing('renameScope', a);
          // Without replace, round 1's lock on b's entry checks that b is unregistered and empty: no read first.
          const target: Located = replace || fresh ? await this.#locate(b) : { id: undefined, data: false };
          if (!replace && (target.id !== undefined || target.data)) throw taken('renameScope', b);
          const token = newToken();
          const intent = this.#moveIntent('rename', a, source, b, target, replace, token);
          const outcome = await this.context.engine.run(intent);
          if (outcome.ok) {
            this.context.router.reset(a.name, undefined);
            this.context.router.reset(b.name, { id: source.id, gen: token });
            this.#reclaimReplaced(b, target, replace);
            return;
          }
          // The target was taken meanwhile, or a record moved: look again; a taken target then refuses.
        }
        throw gaveUp('renameScope');
      });
    });
  }

  swapScopes(a: ScopeLike, b: ScopeLike): Promise<void> {
    return rejecting(() => {
      const x = named(a, 'swapScopes');
      const y = named(b, 'swapScopes');
      if (x.equals(y)) return Promise.resolve();
      return this.#exclusive([x, y], 'swapScopes', async () => {
        let fresh = false;
        for (let attempt = 0; attempt < ATTEMPTS; attempt++, fresh = true) {
          const look = (s: NamedScope) => (fresh ? this.#locate(s) : this.#known(s));
          let [first, second] = await Promise.all([look(x), look(y)]);
          // A side that holds nothing yet is registered first, so it swaps as an empty scope (as on LMDB).
          if (first.id === undefined || second.id === undefined) {
            await Promise.all([
              first.id === undefined && this.context.router.register(x),
              second.id === undefined && this.context.router.register(y),
            ]);
            [first, second] = await Promise.all([this.#locate(x), this.#locate(y)]);
            if (first.id === undefined || second.id === undefined) continue;
          }
          const token = newToken();
          const idX = idHex(first.id);
          const idY = idHex(second.id);
          const intent: Intent = {
            v: 1,
            t: token,
            op: 'swap',
            p: { k: 'id', x: idX, pre: { name: x.name, gen: first.gen }, fin: { name: y.name, gen: token } },
            s: [
              { k: 'id', x: idY, pre: { name: y.name, gen: second.gen }, fin: { name: x.name, gen: token } },
              entry(x, first.id, second.id),
              entry(y, second.id, first.id),
            ],
          };
          const outcome = await this.context.engine.run(intent);
          if (outcome.ok) {
            this.context.router.reset(x.name, { id: second.id, gen: token });
            this.context.router.reset(y.name, { id: first.id, gen: token });
            return;
          }
        }
        throw gaveUp('swapScopes');
      });
    });
  }

  copyScope(from: ScopeLike, to: ScopeLike, options: CopyScopeOptions = {}): Promise<number> {
    return rejecting(() => {
      const a = named(from, 'copyScope');
      const b = named(to, 'copyScope');
      checkLifecycleOptions(options, 'copyScope');
      if (a.equals(b)) throw new ScopedDbError('INVALID_INPUT', `copyScope: cannot copy ${describe(a)} onto itself`);
      if (options?.onProgress !== undefined && typeof options.onProgress !== 'function') {
        throw new ScopedDbError('INVALID_INPUT', 'copyScope: onProgress must be a function');
      }
      const replace = options?.replace === true;
      return this.#exclusive([a, b], 'copyScope', () => this.#copy(a, b, replace, options?.onProgress));
    });
  }

  /**
   * Frees the entries of dropped scopes now; resolves with the entries freed. With `budgetMs`
   * it starts no new id once the budget is spent (at least one is freed: an id's keys go in one
   * step, so a budget cannot stop inside one).
   */
  reclaim(options: { budgetMs?: number } = {}): Promise<number> {
    return rejecting(() => {
      const budget = checkReclaimOptions(options);
      // As on LMDB: a budget of 0 leaves no time, and frees nothing.
      if (budget === 0) return Promise.resolve(0);
      return this.#serialised(() => this.#reclaim(budget, true));
    });
  }

  /** Dropped entries not yet freed: the ZCARDs of every tombstoned id's databases. */
  async pendingReclaim(): Promise<number> {
    const ids = new Set([...this.#dropped, ...(await this.#scanIds(TOMBSTONE_PATTERN, idOfTombstone))]);
    const counts = await mapLimited([...ids], async (id) => {
      const info = await idInfo(this.context.caller, id, 'pendingReclaim');
      if (!info.dropped || info.databases.length === 0) return 0;
      const orders = info.databases.map((db) => dataKeys({ hash: id }, db).order);
      return Number(await this.context.caller.eval<number>('pendingReclaim', COUNT_SCRIPT, orders, []));
    });
    return counts.reduce((sum, n) => sum + n, 0);
  }

  // ---- drop ----

  /** Drops `s`: its id slot first (tombstone, name gone), then its home entry. Returns the id tombstoned, if any. */
  async #drop(s: NamedScope): Promise<bigint | undefined> {
    const found = await this.context.router.visit<string>(s, 'dropScope', (target, mode) =>
      this.context.router.call<string>('dropScope', DROP_SCRIPT, idRecordArgs(target), [s.name, mode, tombstone(s.name)]),
    );
    const what = String(found.result);
    if (what === 'none') return undefined;
    if (what === 'dropped' && found.id !== s.hash) {
      await this.context.caller.eval('dropScope', UNBIND_SCRIPT, [idRecordKeys(s.hash).entries], [s.name, idHex(found.id)]);
    }
    return found.id;
  }

  // ---- rename and copy's commit ----

  /**
   * The intent that gives `b` the id `primary` holds (rename: `a`'s id; copy: the reserved
   * one), dropping what `b` held with `replace`.
   */
  #moveIntent(
    op: 'rename' | 'copy',
    a: NamedScope | undefined,
    source: Life,
    b: NamedScope,
    target: Located,
    replace: boolean,
    token: string,
  ): Intent {
    const id = idHex(source.id);
    const secondaries: Step[] = [];
    // `a` leaves its id: its entry goes (a name at its home has none).
    if (a && source.id !== a.hash) secondaries.push({ k: 'entry', h: idHex(a.hash), n: a.name, pre: { at: id }, fin: null });
    const toB: EntryStep = {
      k: 'entry',
      h: idHex(b.hash),
      n: b.name,
      pre: target.id !== undefined ? { at: idHex(target.id) } : replace ? { none: true } : { none: true, empty: true },
      fin: source.id === b.hash ? null : id,
    };
    secondaries.push(toB);
    if (replace && target.id !== undefined) {
      secondaries.push({ k: 'id', x: idHex(target.id), pre: { name: b.name, gen: target.gen }, fin: { drop: tombstone(b.name) } });
    } else if (replace && target.data) {
      // Data under `b`'s home that no name owns (written before any registration): dropped as LMDB drops it.
      secondaries.push({ k: 'id', x: idHex(b.hash), pre: { unnamed: true }, fin: { drop: tombstone(b.name) } });
    }
    const primary: IdStep =
      op === 'rename' && a
        ? { k: 'id', x: id, pre: { name: a.name, gen: source.gen }, fin: { name: b.name, gen: token } }
        : { k: 'id', x: id, pre: { reserved: source.gen }, fin: { name: b.name, gen: token } };
    return { v: 1, t: token, op, p: primary, s: secondaries };
  }

  #reclaimReplaced(b: NamedScope, target: Located, replace: boolean): void {
    if (!replace) return;
    if (target.id !== undefined) this.#reclaimSoon(target.id);
    else if (target.data) this.#reclaimSoon(b.hash);
  }

  // ---- copy ----

  async #copy(a: NamedScope, b: NamedScope, replace: boolean, onProgress: CopyScopeOptions['onProgress']): Promise<number> {
    const source = await this.#locate(a);
    if (source.id === undefined) throw missing('copyScope', a);
    const from = source.id;
    return this.#fillAndSwitch(b, replace, 'copyScope', (into, token) => this.#fill(from, into, token, onProgress));
  }

  /** Runs `run` once every write to `s` issued before this call was acknowledged (exportScope starts there). */
  afterWrites<T>(s: NamedScope, method: string, run: () => Promise<T>): Promise<T> {
    return this.#exclusive([s], method, run);
  }

  /**
   * importScope's atomic part, at `to`'s place in the write order: `fill` writes the entries
   * (through `write`, into a fresh reserved id nobody reads), then one step makes that id
   * `to`'s (dropping what `to` held with `replace`, else SCOPE_EXISTS). A failure anywhere
   * hands the id to reclaim and leaves `to` as it was.
   */
  importInto(to: NamedScope, replace: boolean, fill: (write: FillWriter) => Promise<number>): Promise<number> {
    return this.#exclusive([to], 'importScope', () =>
      this.#fillAndSwitch(to, replace, 'importScope', async (into, token) => {
        const records = idRecordKeys(into);
        // Databases that keep stats count what the fill writes into the new id's stats, as a copy does.
        const counted = await this.context.statsDatabases();
        return fill(async (batch) => {
          const names = [...new Set(batch.map(([database]) => database))];
          const keys = [records.reserved, records.databases, countKeys(into).stats];
          for (const name of names) {
            const data = dataKeys({ hash: into }, name);
            keys.push(data.hash, data.order);
          }
          const triples = batch.flatMap(([database, key, value]) => [names.indexOf(database) + 1, key, value]);
          const written = await this.context.caller.eval<number>('importScope', FILL_SCRIPT, keys, [
            token,
            names.length,
            ...names,
            ...names.map((name) => (counted.includes(name) ? '1' : '')),
            ...triples,
          ]);
          if (Number(written) < 0) {
            throw new ScopedDbError('STORAGE', 'importScope: the import was given up while it filled (its reservation went stale)');
          }
        });
      }),
    );
  }

  /** Reserves a fresh id, fills it, and switches it in as `b` (copyScope, importScope). */
  async #fillAndSwitch(
    b: NamedScope,
    replace: boolean,
    method: 'copyScope' | 'importScope',
    fill: (into: bigint, token: string) => Promise<number>,
  ): Promise<number> {
    const early = await this.#locate(b);
    if (!replace && (early.id !== undefined || early.data)) throw taken(method, b);
    const token = newToken();
    const reserved = await this.#reserve(token);
    let copied = 0;
    try {
      copied = await fill(reserved, token);
      const [marked] = await this.#step(reserved, ['filled', '1', token, '', '', '', '', '']);
      if (marked !== 'ok') throw new ScopedDbError('STORAGE', `${method}: it was given up while it filled (its reservation went stale)`);
      for (let attempt = 0; ; attempt++) {
        if (attempt >= ATTEMPTS) throw gaveUp(method);
        const target = await this.#locate(b);
        if (!replace && (target.id !== undefined || target.data)) throw taken(method, b);
        const intent = this.#moveIntent('copy', undefined, { id: reserved, gen: token }, b, target, replace, token);
        const outcome = await this.context.engine.run(intent);
        if (outcome.ok) {
          this.context.router.reset(b.name, { id: reserved, gen: token });
          this.#reclaimReplaced(b, target, replace);
          return copied;
        }
        if (outcome.step === intent.p || (outcome.step.k === 'id' && outcome.step.x === intent.p.x)) {
          throw new ScopedDbError('STORAGE', `${method}: it was given up before it could be made visible`);
        }
      }
    } catch (error) {
      // The half-filled id goes to reclaim; the target is as it was.
      await this.#step(reserved, ['abandon', '1', token, tombstone(b.name), '', '', '', '']).catch(() => undefined);
      this.#reclaimSoon(reserved);
      throw error;
    }
  }

  /** A fresh random id reserved for a copy (`reserved` = "<token> filling <ms>"). */
  async #reserve(token: string): Promise<bigint> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const id = randomId();
      const [result] = await this.#step(id, ['reserve', '1', token, '', '', '', '', '']);
      if (result === 'ok') return id;
    }
    throw new ScopedDbError('STORAGE', 'copyScope: found no free scope id');
  }

  /** Copies the data of id `from` into the reserved id, a page at a time, as stored bytes. */
  async #fill(from: bigint, into: bigint, token: string, onProgress: CopyScopeOptions['onProgress']): Promise<number> {
    const caller = this.context.caller;
    const [{ databases }, counted] = await Promise.all([idInfo(caller, from, 'copyScope'), this.context.statsDatabases()]);
    const orders = databases.map((db) => dataKeys({ hash: from }, db).order);
    const total = orders.length === 0 ? 0 : Number(await caller.eval<number>('copyScope', COUNT_SCRIPT, orders, []));
    const records = idRecordKeys(into);
    let copied = 0;
    for (const db of databases) {
      const source = dataKeys({ hash: from }, db);
      const target = dataKeys({ hash: into }, db);
      let start: Buffer = Buffer.from('-');
      for (;;) {
        const [keys, values] = await caller.eval<[Buffer[], (Buffer | null)[]]>(
          'copyScope',
          COPY_PAGE_SCRIPT,
          [idRecordKeys(from).dropped, source.hash, source.order],
          [start, COPY_BATCH],
          true,
        );
        if (keys.length === 0) break;
        const triples = keys.flatMap((key, i) => [1, key, values[i] ?? Buffer.alloc(0)]);
        const written = await caller.eval<number>(
          'copyScope',
          FILL_SCRIPT,
          [records.reserved, records.databases, countKeys(into).stats, target.hash, target.order],
          [token, 1, db, counted.includes(db) ? '1' : '', ...triples],
        );
        if (Number(written) < 0)
          throw new ScopedDbError('STORAGE', 'copyScope: the copy was given up while it filled (its reservation went stale)');
        copied += keys.length;
        onProgress?.(copied, Math.max(total, copied));
        if (keys.length < COPY_BATCH) break;
        start = Buffer.concat([Buffer.from('('), keys[keys.length - 1]!]);
        // Other work (and this store's other scopes) runs between two batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return copied;
  }

  // ---- reclaim ----

  /** Marks `id` for reclaim by this store and starts the background pass (it does not keep the process alive). */
  #reclaimSoon(id: bigint): void {
    this.#dropped.add(id);
    this.#schedule(0, false);
  }

  #schedule(delayMs: number, scan: boolean): void {
    if (!this.background) return;
    const at = performance.now() + delayMs;
    const pending = this.#scheduled;
    // One pass at a time is enough; an earlier request (a drop just after open) moves it forward.
    if (pending && pending.at <= at) {
      pending.scan ||= scan;
      return;
    }
    if (pending) clearTimeout(pending.timer);
    const next = { at, scan: scan || pending?.scan === true, timer: undefined as unknown as NodeJS.Timeout };
    next.timer = setTimeout(() => {
      this.#scheduled = undefined;
      void this.#serialised(() => this.#reclaim(undefined, next.scan)).catch(() => {
        // The client went away or a master is down: the next drop, open or reclaim() resumes.
      });
    }, delayMs).unref();
    this.#scheduled = next;
  }

  /** One reclaim at a time: an explicit call waits for the background pass instead of racing it. */
  async #serialised(run: () => Promise<number>): Promise<number> {
    while (this.#reclaiming) await this.#reclaiming.catch(() => 0);
    const running = run();
    this.#reclaiming = running;
    try {
      return await running;
    } finally {
      if (this.#reclaiming === running) this.#reclaiming = undefined;
    }
  }

  async #reclaim(budgetMs: number | undefined, scan: boolean): Promise<number> {
    const deadline = budgetMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + budgetMs;
    const ids = new Set(this.#dropped);
    if (scan) {
      for (const id of await this.#scanIds(TOMBSTONE_PATTERN, idOfTombstone)) ids.add(id);
      // Copies whose copier stopped: their reservations become tombstones, reclaimed below.
      for (const id of await this.#scanIds(RESERVATION_PATTERN, idOfReservation)) {
        const [stale] = await this.#step(id, ['stale', '1', RESERVATION_STALE_MS, tombstone(''), '', '', '', '']);
        if (stale === 'ok') ids.add(id);
      }
    }
    let freed = 0;
    let started = false;
    for (const id of [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
      // At least one id per call, however small the budget.
      if (started && performance.now() >= deadline) break;
      started = true;
      freed += await this.#reclaimId(id);
      this.#dropped.delete(id);
    }
    if (this.#dropped.size > 0 && budgetMs === undefined) this.#schedule(0, false);
    return freed;
  }

  /** UNLINKs a tombstoned id's data keys, then the tombstone (RECLAIM_SCRIPT); the entries freed. */
  async #reclaimId(id: bigint): Promise<number> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const info = await idInfo(this.context.caller, id, 'reclaim');
      if (!info.dropped) return 0;
      const records = idRecordKeys(id);
      const count = countKeys(id);
      const keys = [records.dropped, records.databases, count.stats, count.quota];
      for (const db of info.databases) {
        const data = dataKeys({ hash: id }, db);
        keys.push(data.hash, data.order);
      }
      const freed = Number(await this.context.caller.eval<number>('reclaim', RECLAIM_SCRIPT, keys, [info.databases.length]));
      if (freed >= 0) return freed;
      if (freed === -1) return 0;
      // -2: `dbs` changed between the two reads (it cannot after a drop; a copy's reservation can): read again.
    }
    return 0;
  }

  // ---- shared ----

  /** Where `s` lives now, fresh from Redis (dangling home entries are repaired on the way). */
  #locate(s: NamedScope): Promise<Located> {
    return this.context.router.locate(s, 'lifecycle');
  }

  /**
   * Where this store's writes last found `s` (its lanes are held and drained, so that is
   * stable here), else fresh. A stale answer costs a retry: every step checks its record.
   */
  #known(s: NamedScope): Promise<Located> {
    const life = this.context.router.life(s.name);
    return life ? Promise.resolve({ ...life, data: true }) : this.#locate(s);
  }

  async #scanIds(pattern: string, parse: (key: string) => bigint | undefined): Promise<bigint[]> {
    return (await this.context.scanKeys(pattern)).map(parse).filter((id): id is bigint => id !== undefined);
  }

  async #step(id: bigint, action: (string | number)[]): Promise<string[]> {
    const results = await this.context.caller.eval<(string | Buffer)[]>('lifecycle step', STEP_SCRIPT, idRecordArgs(id), [
      'all',
      ...action,
    ]);
    return results.map((r) => r.toString());
  }

  /**
   * Runs `run` at the place in each scope's write order that this call takes now: after every
   * write issued before it to those scopes has been acknowledged, and before any issued after.
   */
  #exclusive<T>(scopes: readonly NamedScope[], method: string, run: () => Promise<T>): Promise<T> {
    if (this.context.insideTransaction()) {
      throw new ScopedDbError('INVALID_INPUT', `${method} cannot run inside a transaction callback: it would wait for the transaction`);
    }
    const places = [...new Set(scopes.map((s) => hashTag(s)))].map((lane) => this.context.order.enter(lane));
    return (async () => {
      try {
        for (const place of places) await place.turn;
        await Promise.all(scopes.map((s) => this.context.router.drained(s.name)));
        return await run();
      } finally {
        for (const place of places) place.leave();
      }
    })();
  }
}

/** A name's home entry in a swap: at `from` before, at `to` after (none where the id is the name's home). */
function entry(scope: NamedScope, from: bigint, to: bigint): EntryStep {
  return { k: 'entry', h: idHex(scope.hash), n: scope.name, pre: { at: idHex(from) }, fin: to === scope.hash ? null : idHex(to) };
}
