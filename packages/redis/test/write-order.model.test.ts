/**
 * Model-based check of API.md "Write order" on Redis: random sequences of
 * un-awaited writes (put, putSync, remove, removeSync, clearAsync, clearSync,
 * transactions with sync or async callbacks, some of which read first and
 * some of which throw) and lifecycle calls (dropScope, renameScope with and
 * without replace, swapScopes) and quotas (setQuota, removed with null) over a few
 * scopes and two databases of one store, the first keeping stats, issued in bursts
 * without awaiting, then awaited. Every resolved value and the final contents must
 * equal an in-memory model that applies the same calls one after another in call
 * order (a put over its scope's quota, or a transaction holding one, is refused with
 * QUOTA_EXCEEDED and writes nothing); the registry-backed listings must agree with it
 * too. Stats are checked against the model at the place of every async transaction
 * (its callback reads them first, so it sees exactly the writes called before it)
 * and, for every scope, after every sequence, where a recount must agree as well.
 *
 * SCOPED_MODEL_COMMANDS sets how many commands each backend runs at least
 * (default 10 000, in sequences of up to MAX_PER_RUN); raise it for a soak. A
 * failure is shrunk to a short sequence and reported with fast-check's seed.
 */
import { codecs, Scope } from '@scoped-lmdb/core';
import fc from 'fast-check';
import type { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type AsyncScopedDatabase, openRedisScopedStore, type RedisScopedStore } from '../src/index.js';
import { collect } from './support/helpers.js';
import { useRedisServers } from './support/redis-fixture.js';

const redis = useRedisServers();

const TOTAL_COMMANDS = Number(process.env.SCOPED_MODEL_COMMANDS ?? 10_000);
const MAX_PER_RUN = 150;
/** Sequences per fc.assert call; calls repeat until TOTAL_COMMANDS have run. */
const RUNS_PER_ROUND = 20;

const KEYS = ['a', 'b', 'c'] as const;
/** DEFAULT, a scope registered before the run, and two that are not. */
const SCOPE_COUNT = 4;
const PRE_REGISTERED = 1;

type Gap = 'none' | 'micro' | 'macro';
type Key = (typeof KEYS)[number];
type DbIndex = 0 | 1;

/** A range-bounded clear's range (ClearRange): start inclusive, end exclusive, lmdb-js's reverse, a limit. */
interface Bounds {
  start?: Key | undefined;
  end?: Key | undefined;
  reverse?: boolean | undefined;
  limit?: number | undefined;
}

type Plain =
  | { kind: 'put' | 'putSync'; db: DbIndex; scope: number; key: Key; fresh: boolean }
  | { kind: 'remove' | 'removeSync'; db: DbIndex; scope: number; key: Key; fresh: boolean }
  | { kind: 'clearAsync' | 'clearSync'; db: DbIndex; scope: number; fresh: boolean }
  | { kind: 'clearRange'; db: DbIndex; scope: number; range: Bounds; fresh: boolean };

type InnerOp =
  | { kind: 'put' | 'remove' | 'putSeen'; db: DbIndex; key: Key }
  | { kind: 'clear'; db: DbIndex }
  | { kind: 'clearRange'; db: DbIndex; range: Bounds };

interface Tx {
  kind: 'tx';
  scope: number;
  /** async: the callback first awaits a read of `read` in the transaction's scope. */
  mode: 'sync' | 'async';
  read: { db: DbIndex; key: Key };
  ops: InnerOp[];
  fail: boolean;
}

/** A lifecycle call on two scopes (`to` unused by drop); DEFAULT among them is refused. */
interface Life {
  kind: 'drop' | 'rename' | 'renameReplace' | 'swap';
  scope: number;
  to: number;
}

/** setQuota(scope, { maxEntries }) or, with null, its removal; DEFAULT is refused. */
interface SetQuota {
  kind: 'quota';
  scope: number;
  max: number | null;
}

type Command = (Plain | Tx | Life | SetQuota) & { gap: Gap };

const LIFECYCLE: ReadonlySet<string> = new Set(['drop', 'rename', 'renameReplace', 'swap']);
const isLife = (c: Command): c is Life & { gap: Gap } => LIFECYCLE.has(c.kind);
type Stats = { entries: number; bytes: number };

const db = fc.constantFrom<DbIndex>(0, 1);
const scope = fc.integer({ min: 0, max: SCOPE_COUNT - 1 });
const key = fc.constantFrom(...KEYS);
const gap = fc.constantFrom<Gap>('none', 'none', 'none', 'micro', 'macro');
/** One write in ten goes through a new (cold) handle. */
const fresh = fc.integer({ min: 0, max: 9 }).map((n) => n === 0);

const bounds: fc.Arbitrary<Bounds> = fc.record(
  {
    start: fc.constantFrom(...KEYS),
    end: fc.constantFrom(...KEYS),
    reverse: fc.boolean(),
    limit: fc.integer({ min: 0, max: 3 }),
  },
  { requiredKeys: [] },
);

const plain: fc.Arbitrary<Plain> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('put' as const, 'putSync' as const), db, scope, key, fresh }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('remove' as const, 'removeSync' as const), db, scope, key, fresh }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('clearAsync' as const, 'clearSync' as const), db, scope, fresh }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clearRange' as const), db, scope, range: bounds, fresh }) },
);

const innerOp: fc.Arbitrary<InnerOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), db, key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), db, key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('putSeen' as const), db, key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), db }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clearRange' as const), db, range: bounds }) },
);

const tx: fc.Arbitrary<Tx> = fc.record({
  kind: fc.constant('tx' as const),
  scope,
  mode: fc.constantFrom('sync' as const, 'async' as const),
  read: fc.record({ db, key }),
  ops: fc.array(innerOp, { minLength: 0, maxLength: 4 }),
  fail: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
});

const life: fc.Arbitrary<Life> = fc.record({
  kind: fc.constantFrom('drop' as const, 'rename' as const, 'renameReplace' as const, 'swap' as const),
  scope,
  to: scope,
});

const setQuota: fc.Arbitrary<SetQuota> = fc.record({
  kind: fc.constant('quota' as const),
  scope,
  max: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(null)),
});

const command: fc.Arbitrary<Command> = fc
  .tuple(
    fc.oneof(
      { weight: 16, arbitrary: plain },
      { weight: 4, arbitrary: tx },
      { weight: 1, arbitrary: life },
      { weight: 1, arbitrary: setQuota },
    ),
    gap,
  )
  .map(([c, g]) => ({ ...c, gap: g }));

/** The database that keeps stats (the other keeps none, so its writes are neither counted nor checked). */
const COUNTED: DbIndex = 0;
const QUOTA_EXCEEDED = { code: 'QUOTA_EXCEEDED' };

/** The store as API.md describes it: every call applied one after another, in call order. */
class Model {
  readonly data: Map<string, string>[][] = [0, 1].map(() => Array.from({ length: SCOPE_COUNT }, () => new Map<string, string>()));
  readonly registered = new Set<number>([PRE_REGISTERED]);
  /** Each scope's maxEntries, if it has a quota (counted over the stats-keeping database). */
  quotas: (number | undefined)[] = Array.from({ length: SCOPE_COUNT }, () => undefined);

  /** True when the put would take its scope over its quota: refused, nothing written. */
  over(d: DbIndex, s: number, k: string): boolean {
    const max = this.quotas[s];
    const scope = this.data[d]![s]!;
    return d === COUNTED && max !== undefined && !scope.has(k) && scope.size + 1 > max;
  }
  put(d: DbIndex, s: number, k: string, v: string): boolean {
    this.data[d]![s]!.set(k, v);
    if (s !== 0) this.registered.add(s);
    return true;
  }
  /** The stats the counted database must report for scope `s`: entries, and bytes of keys and JSON values. */
  stats(s: number): { entries: number; bytes: number } {
    let bytes = 0;
    for (const [k, v] of this.data[COUNTED]![s]!) bytes += Buffer.byteLength(k) + Buffer.byteLength(JSON.stringify(v));
    return { entries: this.data[COUNTED]![s]!.size, bytes };
  }
  setQuota(c: SetQuota): { ok: unknown } | { code: string } {
    if (c.scope === 0) return { code: 'INVALID_INPUT' };
    this.quotas[c.scope] = c.max ?? undefined;
    if (c.max !== null) this.registered.add(c.scope);
    return { ok: undefined };
  }
  remove(d: DbIndex, s: number, k: string): boolean {
    return this.data[d]![s]!.delete(k);
  }
  clear(d: DbIndex, s: number): number {
    const n = this.data[d]![s]!.size;
    this.data[d]![s]!.clear();
    return n;
  }
  /** Removes what getRange with the same bounds visits (in byte order; reverse: start is the high end). */
  clearRange(d: DbIndex, s: number, range: Bounds): number {
    const scope = this.data[d]![s]!;
    const byte = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    let keys = [...scope.keys()].sort(byte);
    if (range.reverse) {
      keys = keys
        .reverse()
        .filter((k) => (range.start === undefined || byte(k, range.start) <= 0) && (range.end === undefined || byte(k, range.end) > 0));
    } else {
      keys = keys.filter(
        (k) => (range.start === undefined || byte(k, range.start) >= 0) && (range.end === undefined || byte(k, range.end) < 0),
      );
    }
    const gone = keys.slice(0, range.limit ?? keys.length);
    for (const k of gone) scope.delete(k);
    return gone.length;
  }
  get(d: DbIndex, s: number, k: string): string | undefined {
    return this.data[d]![s]!.get(k);
  }
  /** A lifecycle call with LMDB's rules (API.md v2): its result, or the code it is refused with. */
  life(c: Life): { ok: unknown } | { code: string } {
    const { scope: a, to: b } = c;
    if (a === 0 || (c.kind !== 'drop' && b === 0)) return { code: 'INVALID_INPUT' };
    const taken = (s: number) => this.registered.has(s) || this.data.some((scopes) => scopes[s]!.size > 0);
    if (c.kind === 'drop') {
      for (const scopes of this.data) scopes[a] = new Map();
      this.registered.delete(a);
      this.quotas[a] = undefined; // the quota goes with the name
      return { ok: undefined };
    }
    // As on LMDB: a swap with itself does nothing; a rename onto itself too, if `a` exists.
    if (a === b) return c.kind === 'swap' || this.registered.has(a) ? { ok: undefined } : { code: 'INVALID_INPUT' };
    if (c.kind === 'swap') {
      for (const scopes of this.data) [scopes[a], scopes[b]] = [scopes[b]!, scopes[a]!];
      [this.quotas[a], this.quotas[b]] = [this.quotas[b], this.quotas[a]];
      // A side with no data yet is registered first, and swaps as an empty scope.
      this.registered.add(a).add(b);
      return { ok: undefined };
    }
    if (!this.registered.has(a)) return { code: 'INVALID_INPUT' };
    if (c.kind === 'rename' && taken(b)) return { code: 'SCOPE_EXISTS' };
    for (const scopes of this.data) [scopes[b], scopes[a]] = [scopes[a]!, new Map()];
    // The quota moves with the data; the replaced target's went with its old id.
    [this.quotas[b], this.quotas[a]] = [this.quotas[a], undefined];
    this.registered.delete(a);
    this.registered.add(b);
    return { ok: undefined };
  }
}

interface Outcome {
  label: string;
  promise: Promise<unknown>;
  expected: { ok: unknown } | { error: string } | { code: string };
}

const ABORT = 'model: the callback changed its mind';
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe.each([
  ['Redis Cluster', () => redis.cluster],
  ['single Redis', () => redis.single],
] as const)('%s', (_, client: () => Redis | Cluster) => {
  it(`un-awaited writes match a call-order model (${TOTAL_COMMANDS} commands)`, { timeout: 60_000 + TOTAL_COMMANDS * 10 }, async () => {
    const store: RedisScopedStore = await openRedisScopedStore(client());
    let run = 0;
    let commandsRun = 0;
    /** What the generator must have reached, so a quiet pass means something. */
    const covered = {
      asyncTx: 0,
      failedTx: 0,
      coldHandle: 0,
      macroGap: 0,
      newScopePut: 0,
      lifecycle: 0,
      refusedLifecycle: 0,
      quota: 0,
      overQuota: 0,
      overQuotaTx: 0,
      rangeClear: 0,
    };

    const property = fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: MAX_PER_RUN, size: 'max' }), async (commands) => {
      const id = `m${++run}-${Date.now().toString(36)}`;
      const names = [`${id}-left`, `${id}-right`];
      const scopes = [Scope.DEFAULT, ...Array.from({ length: SCOPE_COUNT - 1 }, (_, i) => Scope.named(`${id}/s${i + 1}`))];
      const open = (d: DbIndex): AsyncScopedDatabase<string, string> =>
        store.database(names[d]!, codecs.string(), codecs.json<string>(), d === COUNTED ? { stats: true } : undefined);
      // Cold handles: their first write waits for the codec check, and must keep its place.
      const handles = [open(0), open(1)];
      await store.registerScope(scopes[PRE_REGISTERED]!);
      const model = new Model();
      const outcomes: Outcome[] = [];

      for (const [i, c] of commands.entries()) {
        const s = scopes[c.scope]!;
        const label = `#${i} ${JSON.stringify(c)}`;
        if (c.kind === 'quota') {
          const promise = store.setQuota(s, c.max === null ? null : { maxEntries: c.max });
          promise.catch(() => {});
          covered.quota++;
          outcomes.push({ label, promise, expected: model.setQuota(c) });
        } else if (isLife(c)) {
          // Lifecycle calls take their place in call order too: after every write issued before them.
          const to = scopes[c.to]!;
          const promise =
            c.kind === 'drop'
              ? store.dropScope(s)
              : c.kind === 'swap'
                ? store.swapScopes(s, to)
                : store.renameScope(s, to, { replace: c.kind === 'renameReplace' });
          // Settled with the others after the burst; a refusal must not count as unhandled meanwhile.
          promise.catch(() => {});
          const expected = model.life(c);
          if ('code' in expected) covered.refusedLifecycle++;
          else covered.lifecycle++;
          outcomes.push({ label, promise, expected });
        } else if (c.kind === 'tx') {
          // The model runs the whole transaction at its place in call order.
          const seen = c.mode === 'async' ? model.get(c.read.db, c.scope, c.read.key) : undefined;
          const seenStats = model.stats(c.scope);
          const inner: { op: InnerOp; value: string; expected: unknown }[] = [];
          const shadow = new Model();
          shadow.quotas = model.quotas;
          for (const [d, scopesOf] of model.data.entries()) shadow.data[d]![c.scope] = new Map(scopesOf[c.scope]);
          let over = false;
          for (const [j, op] of c.ops.entries()) {
            const value = op.kind === 'putSeen' ? `seen ${String(seen)}` : `v${i}.${j}`;
            if ((op.kind === 'put' || op.kind === 'putSeen') && shadow.over(op.db, c.scope, op.key)) over = true;
            const expected =
              op.kind === 'clear'
                ? shadow.clear(op.db, c.scope)
                : op.kind === 'clearRange'
                  ? shadow.clearRange(op.db, c.scope, op.range)
                  : op.kind === 'remove'
                    ? shadow.remove(op.db, c.scope, op.key)
                    : shadow.put(op.db, c.scope, op.key, value);
            inner.push({ op, value, expected });
          }
          // A write over the quota fails the whole transaction; a callback that throws fails it first.
          const refused = over && !c.fail;
          if (refused) covered.overQuotaTx++;
          if (!c.fail && !refused) {
            for (const [d] of model.data.entries()) model.data[d]![c.scope] = shadow.data[d]![c.scope]!;
            if (c.scope !== 0 && c.ops.some((op) => op.kind === 'put' || op.kind === 'putSeen')) model.registered.add(c.scope);
          }
          const queued: Promise<unknown>[] = [];
          const issue = (seenValue: string | undefined) => {
            for (const { op, value } of inner) {
              const h = handles[op.db]!;
              const v = op.kind === 'putSeen' ? `seen ${String(seenValue)}` : value;
              queued.push(
                op.kind === 'clear'
                  ? h.clearAsync(s)
                  : op.kind === 'clearRange'
                    ? h.clearAsync(s, op.range)
                    : op.kind === 'remove'
                      ? h.remove(s, op.key)
                      : h.put(s, op.key, v),
              );
            }
            if (c.fail) throw new Error(ABORT);
          };
          const promise =
            c.mode === 'sync'
              ? store.transaction(s, () => {
                  issue(undefined);
                  return 'sync';
                })
              : store.transaction(s, async () => {
                  // Reads inside the transaction see every write called before it: the stats at its place.
                  const [read, stats] = await Promise.all([handles[c.read.db]!.get(s, c.read.key), handles[COUNTED]!.getStats(s)]);
                  issue(read);
                  return { read, stats };
                });
          outcomes.push({
            label,
            promise,
            expected: c.fail
              ? { error: ABORT }
              : refused
                ? QUOTA_EXCEEDED
                : { ok: c.mode === 'sync' ? 'sync' : { read: seen, stats: seenStats } },
          });
          // The inner writes exist once the callback has run: a sync one has, an async one is checked after the burst.
          const innerOutcomes = async () => {
            await promise.catch(() => {});
            return Promise.allSettled(queued);
          };
          outcomes.push({
            label: `${label} inner writes`,
            promise: innerOutcomes().then((settled) => settled.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))),
            expected: { ok: inner.map((w) => (c.fail || refused ? 'rejected' : w.expected)) },
          });
        } else {
          const h = c.fresh ? open(c.db) : handles[c.db]!;
          let promise: Promise<unknown>;
          let expected: unknown;
          if (c.kind === 'put' || c.kind === 'putSync') {
            const value = `v${i}`;
            promise = h[c.kind](s, c.key, value);
            if (model.over(c.db, c.scope, c.key)) covered.overQuota++;
            expected = model.over(c.db, c.scope, c.key) ? QUOTA_EXCEEDED : { ok: model.put(c.db, c.scope, c.key, value) };
          } else if (c.kind === 'remove' || c.kind === 'removeSync') {
            promise = h[c.kind](s, c.key);
            expected = { ok: model.remove(c.db, c.scope, c.key) };
          } else if (c.kind === 'clearRange') {
            promise = (c.range.limit === 1 ? h.clearSync : h.clearAsync).call(h, s, c.range);
            expected = { ok: model.clearRange(c.db, c.scope, c.range) };
            covered.rangeClear++;
          } else {
            promise = h[c.kind](s);
            expected = { ok: model.clear(c.db, c.scope) };
          }
          promise.catch(() => {});
          outcomes.push({ label, promise, expected: expected as Outcome['expected'] });
        }
        if (c.gap === 'micro') await Promise.resolve();
        else if (c.gap === 'macro') await nextTurn();
      }

      const settled = await Promise.allSettled(outcomes.map((o) => o.promise));
      for (const [i, outcome] of outcomes.entries()) {
        const result = settled[i]!;
        if ('error' in outcome.expected) {
          expect(result.status, outcome.label).toBe('rejected');
          expect((result as PromiseRejectedResult).reason?.message, outcome.label).toBe(outcome.expected.error);
        } else if ('code' in outcome.expected) {
          expect(result.status, outcome.label).toBe('rejected');
          expect((result as PromiseRejectedResult).reason?.code, outcome.label).toBe(outcome.expected.code);
        } else {
          expect(result, outcome.label).toEqual({ status: 'fulfilled', value: outcome.expected.ok });
        }
      }
      commandsRun += commands.length;
      for (const c of commands) {
        if (c.kind === 'tx' && c.mode === 'async') covered.asyncTx++;
        if (c.kind === 'tx' && c.fail) covered.failedTx++;
        if ('fresh' in c && c.fresh) covered.coldHandle++;
        if (c.gap === 'macro') covered.macroGap++;
        if ((c.kind === 'put' || c.kind === 'putSync') && c.scope > PRE_REGISTERED) covered.newScopePut++;
      }

      // Scopes list in the order of their current ids (a lifecycle call gives a scope a new one).
      const ids = new Map<Scope, bigint>();
      for (const s of scopes) if (!s.isDefault) ids.set(s, (await store.idOf(s)) ?? -1n);
      for (const d of [0, 1] as const) {
        for (const [si, s] of scopes.entries()) {
          const entries = (await collect(handles[d]!.getRange(s))).map(({ key, value }) => [key, value]);
          const expected = [...model.data[d]![si]!.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
          expect(entries, `${names[d]} ${s}`).toEqual(expected);
        }
        const nonEmpty = scopes.filter((_, si) => model.data[d]![si]!.size > 0);
        const listed = [
          ...nonEmpty.filter((s) => s.isDefault),
          ...nonEmpty.filter((s) => !s.isDefault).sort((a, b) => (ids.get(a)! < ids.get(b)! ? -1 : 1)),
        ];
        expect((await handles[d]!.listScopes()).map(String), `${names[d]} listScopes`).toEqual(listed.map(String));
      }
      for (const [si, s] of scopes.entries()) {
        if (si !== 0) expect(await store.scopeExists(s), `${s} registered`).toBe(model.registered.has(si));
        const stats: Stats = await handles[COUNTED]!.getStats(s);
        expect(stats, `${s} stats`).toEqual(model.stats(si));
        expect(await handles[COUNTED]!.recountStats(s), `${s} recount`).toEqual(stats);
        const quota = model.quotas[si];
        expect(await store.getQuota(s), `${s} quota`).toEqual(quota === undefined ? undefined : { maxEntries: quota });
      }
    });

    while (commandsRun < TOTAL_COMMANDS) await fc.assert(property, { numRuns: RUNS_PER_ROUND });
    for (const [what, count] of Object.entries(covered)) expect(count, what).toBeGreaterThan(0);
  });
});
