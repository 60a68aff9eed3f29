import { codecs, type ScopedDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgeScopeNames, tempEnv } from './helpers.js';

/**
 * Model-based test of API.md "Write order" and "Scope lifecycle": random sequences of writes,
 * issued in bursts without awaiting, and drops, renames, swaps and copies, over two databases
 * of one env with a registry, against an in-memory model applied in call order. Every resolved value (put's true, remove's boolean, clear's
 * count, what a transaction callback read at its place) must be what the model said at the
 * write's place, and after each burst every scope must hold what the model holds. Both
 * databases keep stats (`.withStats()`): after every command that leaves no write queued (a
 * synchronous one applies everything queued before it), every scope's stats must be the
 * model's entry count and bytes, and again after each burst.
 * SCOPED_MODEL_COMMANDS sets how many commands run in total (the soak raises it).
 */
const TOTAL_COMMANDS = Number(process.env.SCOPED_MODEL_COMMANDS ?? 12_000);
/** Each run draws 100 to 120 commands, so the total is at least TOTAL_COMMANDS. */
const COMMANDS_PER_RUN = 100;

// DEFAULT, scopes that may be registered by earlier runs' names, and edge ids.
const SCOPES = [null, 'tenant-a', 'tenant-b', edgeScopeNames.endsWithFF, edgeScopeNames.startsWithFF, 'fresh'] as const;
type ScopeName = (typeof SCOPES)[number];
const DATABASES = ['left', 'right'] as const;
type DbName = (typeof DATABASES)[number];
const KEYS = ['a', 'b', 'c'] as const;

type Command =
  | { op: 'put' | 'putSync'; db: DbName; scope: ScopeName; key: string; value: number }
  | { op: 'remove' | 'removeSync'; db: DbName; scope: ScopeName; key: string }
  | { op: 'clearAsync' | 'clearSync'; db: DbName; scope: ScopeName }
  | { op: 'transaction' | 'transactionSync'; db: DbName; scope: ScopeName; key: string; value: number; other: DbName; fails: boolean }
  | { op: 'drop'; scope: ScopeName }
  | { op: 'rename' | 'copy'; scope: ScopeName; to: ScopeName; replace: boolean }
  | { op: 'swap'; scope: ScopeName; to: ScopeName }
  | { op: 'settle' };

const target = { db: fc.constantFrom(...DATABASES), scope: fc.constantFrom(...SCOPES) };
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constantFrom('put', 'putSync'), ...target, key: fc.constantFrom(...KEYS), value: fc.nat(99) }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('remove', 'removeSync'), ...target, key: fc.constantFrom(...KEYS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('clearAsync', 'clearSync'), ...target }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('transaction', 'transactionSync'),
      ...target,
      key: fc.constantFrom(...KEYS),
      value: fc.nat(99),
      other: fc.constantFrom(...DATABASES),
      fails: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), scope: fc.constantFrom(...SCOPES) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('rename' as const, 'copy' as const),
      scope: fc.constantFrom(...SCOPES),
      to: fc.constantFrom(...SCOPES),
      replace: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('swap' as const), scope: fc.constantFrom(...SCOPES), to: fc.constantFrom(...SCOPES) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'settle' as const }) },
) as fc.Arbitrary<Command>;

type Lifecycle = Extract<Command, { op: 'drop' | 'rename' | 'swap' | 'copy' }>;
const isLifecycle = (c: Command): c is Lifecycle => c.op === 'drop' || c.op === 'rename' || c.op === 'swap' || c.op === 'copy';
type Write = Exclude<Command, Lifecycle | { op: 'settle' }>;

type Model = Map<string, Map<string, number>>;
const slot = (db: DbName, scope: ScopeName) => `${db}/${scope ?? ''}`;

async function run(commands: Command[], envOptions: { useWritemap?: boolean } = {}): Promise<void> {
  const env = tempEnv(envOptions);
  const registry = GlobalScopeRegistry.open(env);
  const dbs = Object.fromEntries(
    DATABASES.map((name) => [
      name,
      scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<number>()).name(name).withStats().create(),
    ]),
  ) as Record<DbName, ScopedDatabase<string, number>>;
  const model: Model = new Map();
  /** Names the registry holds: written to, or made by a rename, swap or copy; not dropped or renamed away. */
  const registered = new Set<ScopeName>();
  const holdsData = (scope: ScopeName) => DATABASES.some((db) => entries(db, scope).size > 0);
  const moveAll = (from: ScopeName, to: ScopeName) => {
    for (const db of DATABASES) model.set(slot(db, to), entries(db, from));
  };
  const entries = (db: DbName, scope: ScopeName) => {
    let found = model.get(slot(db, scope));
    if (!found) {
      found = new Map();
      model.set(slot(db, scope), found);
    }
    return found;
  };
  // Each pending check: the promise, and what the model said at its place.
  let pending: { what: string; promise: Promise<unknown>; expected: unknown }[] = [];
  const expectLater = (what: string, promise: Promise<unknown>, expected: unknown) => pending.push({ what, promise, expected });

  /** Stats as the model has them: entries, and the bytes of their encoded keys and values. */
  const modelStats = (db: DbName, scope: ScopeName) => {
    let bytes = 0;
    for (const [key, value] of entries(db, scope)) bytes += Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value));
    return { entries: entries(db, scope).size, bytes };
  };
  const expectStats = (what: string) => {
    for (const scope of SCOPES) {
      for (const db of DATABASES)
        expect(dbs[db].getStats(scope), `${what}: stats of ${db} ${String(scope)}`).toEqual(modelStats(db, scope));
      if (scope === null) continue;
      const total = DATABASES.map((db) => modelStats(db, scope)).reduce((a, b) => ({
        entries: a.entries + b.entries,
        bytes: a.bytes + b.bytes,
      }));
      const { entries: e, bytes: b } = registry.scopeStats(scope);
      expect({ entries: e, bytes: b }, `${what}: registry.scopeStats(${scope})`).toEqual(total);
    }
  };
  /** True while a write issued without awaiting may not have applied yet. */
  let queued = false;

  const settle = async () => {
    const settled = await Promise.allSettled(pending.map((p) => p.promise));
    settled.forEach((outcome, i) => {
      const { what, expected } = pending[i] as (typeof pending)[number];
      expect(outcome, what).toEqual({ status: 'fulfilled', value: expected });
    });
    pending = [];
    queued = false;
    expectStats('after the burst');
    for (const db of DATABASES) {
      for (const scope of SCOPES) {
        const want = [...entries(db, scope)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
        expect([...dbs[db].getRange(scope)], `${db} ${String(scope)}`).toEqual(want);
        expect(dbs[db].getCount(scope)).toBe(want.length);
      }
      const listed = dbs[db].listScopes().map((s) => s.name);
      const nonEmpty = SCOPES.filter((scope) => entries(db, scope).size > 0);
      expect(new Set(listed), `${db} listScopes`).toEqual(new Set(nonEmpty));
    }
  };

  /** A lifecycle call: synchronous ones apply after every queued write (call order); a copy is awaited. */
  /** Returns whether it ran a transaction (which applies every queued write first). */
  const lifecycle = async (c: Lifecycle, i: number): Promise<boolean> => {
    const what = `#${i} ${c.op} ${String(c.scope)}${'to' in c ? ` -> ${String(c.to)}` : ''}`;
    const outcome = (run: () => unknown) => {
      try {
        run();
        return 'ok';
      } catch (error) {
        return (error as { code?: string }).code ?? String(error);
      }
    };
    if (c.op === 'drop') {
      expect(
        outcome(() => registry.dropScope(c.scope)),
        what,
      ).toBe(c.scope === null ? 'INVALID_INPUT' : 'ok');
      if (c.scope === null) return false;
      for (const db of DATABASES) entries(db, c.scope).clear();
      registered.delete(c.scope);
      return true;
    }
    if (c.op === 'swap') {
      expect(
        outcome(() => registry.swapScopes(c.scope, c.to)),
        what,
      ).toBe(c.scope === null || c.to === null ? 'INVALID_INPUT' : 'ok');
      if (c.scope === null || c.to === null) return false;
      if (c.scope === c.to) return false; // a no-op: no transaction, the queue stays
      const [a, b] = [DATABASES.map((db) => entries(db, c.scope)), DATABASES.map((db) => entries(db, c.to))];
      DATABASES.forEach((db, d) => {
        model.set(slot(db, c.scope), b[d] as Map<string, number>);
        model.set(slot(db, c.to), a[d] as Map<string, number>);
      });
      registered.add(c.scope).add(c.to);
      return true;
    }
    // rename and copy: DEFAULT refused; the source must be registered (onto itself too); a taken target needs replace.
    let expected = 'ok';
    if (c.scope === null || c.to === null) expected = 'INVALID_INPUT';
    else if (c.scope === c.to) expected = c.op === 'copy' || !registered.has(c.scope) ? 'INVALID_INPUT' : 'ok';
    else if (!registered.has(c.scope)) expected = 'INVALID_INPUT';
    else if (!c.replace && (registered.has(c.to) || holdsData(c.to))) expected = 'SCOPE_EXISTS';
    if (c.op === 'rename') {
      expect(
        outcome(() => registry.renameScope(c.scope, c.to, { replace: c.replace })),
        what,
      ).toBe(expected);
    } else {
      await settle(); // a copy reads one snapshot: the writes before it, all committed
      let got = 'ok';
      await registry.copyScope(c.scope, c.to, { replace: c.replace }).catch((error: { code?: string }) => {
        got = error.code ?? String(error);
      });
      expect(got, what).toBe(expected);
    }
    if (expected !== 'ok' || c.scope === null || c.to === null) return false;
    if (c.scope === c.to) return false;
    const source = c.scope;
    if (c.op === 'rename') {
      moveAll(source, c.to);
      for (const db of DATABASES) model.set(slot(db, source), new Map());
      registered.delete(source);
    } else {
      for (const db of DATABASES) model.set(slot(db, c.to), new Map(entries(db, source)));
    }
    registered.add(c.to);
    return true;
  };

  for (const [i, c] of commands.entries()) {
    if (c.op === 'settle') {
      await settle();
      continue;
    }
    if (isLifecycle(c)) {
      // One that ran is synchronous and comes after every queued write: all issued so far applied.
      // (A refused one may stop before any transaction, leaving the queue as it was.)
      if (await lifecycle(c, i)) queued = false;
      if (!queued) expectStats(`#${i} ${c.op}`);
      continue;
    }
    const write = c as Write;
    const db = dbs[write.db];
    const here = entries(write.db, write.scope);
    const what = `#${i} ${c.op} ${c.db} ${String(c.scope)}`;
    switch (c.op) {
      case 'put':
        here.set(c.key, c.value);
        if (c.scope !== null) registered.add(c.scope);
        expectLater(what, db.put(c.scope, c.key, c.value), true);
        break;
      case 'putSync':
        here.set(c.key, c.value);
        if (c.scope !== null) registered.add(c.scope);
        expect(db.putSync(c.scope, c.key, c.value), what).toBe(true);
        break;
      case 'remove':
        expectLater(what, db.remove(c.scope, c.key), here.delete(c.key));
        break;
      case 'removeSync':
        expect(db.removeSync(c.scope, c.key), what).toBe(here.delete(c.key));
        break;
      case 'clearAsync':
        expectLater(what, db.clearAsync(c.scope), here.size);
        here.clear();
        break;
      case 'clearSync':
        expect(db.clearSync(c.scope), what).toBe(here.size);
        here.clear();
        break;
      case 'transaction':
      case 'transactionSync': {
        // Reads at its place, then writes to two databases: read-your-order and atomicity together.
        const seen = here.get(c.key);
        const other = entries(c.other, c.scope);
        // One that fails throws after its writes: they must all roll back, and no other write with them.
        const failure = new Error(`${what} fails`);
        const body = () => {
          const read = db.get(c.scope, c.key);
          db.putSync(c.scope, c.key, c.value);
          const removed = dbs[c.other].removeSync(c.scope, 'b');
          if (c.fails) throw failure;
          return { read: read ?? null, removed };
        };
        if (c.fails) {
          if (c.op === 'transaction')
            expectLater(
              what,
              db.transaction(body).catch((error) => error === failure),
              true,
            );
          else expect(() => db.transactionSync(body), what).toThrow(failure);
          break;
        }
        here.set(c.key, c.value);
        if (c.scope !== null) registered.add(c.scope);
        const expected = { read: seen ?? null, removed: other.delete('b') };
        if (c.op === 'transaction') expectLater(what, db.transaction(body), expected);
        else expect(db.transactionSync(body), what).toEqual(expected);
        break;
      }
    }
    if (c.op === 'put' || c.op === 'remove' || c.op === 'clearAsync' || c.op === 'transaction') queued = true;
    else queued = false; // a synchronous write outside a transaction applies the queue first
    if (!queued) expectStats(what);
  }
  await settle();
  await env.close();
}

describe('un-awaited write interleavings against the model, with a registry', () => {
  const commands = fc.array(commandArb, { minLength: COMMANDS_PER_RUN, maxLength: COMMANDS_PER_RUN + 20 });
  it(`apply in call order (${TOTAL_COMMANDS} commands)`, async () => {
    await fc.assert(
      fc.asyncProperty(commands, (list) => run(list)),
      { numRuns: Math.ceil(TOTAL_COMMANDS / COMMANDS_PER_RUN) },
    );
  }, 180_000);

  // lmdb-js has no child transactions on a write-mapped env: a transaction callback commits on its own there.
  it(`apply in call order on a useWritemap env (${Math.ceil(TOTAL_COMMANDS / 3)} commands)`, async () => {
    await fc.assert(
      fc.asyncProperty(commands, (list) => run(list, { useWritemap: true })),
      { numRuns: Math.ceil(TOTAL_COMMANDS / 3 / COMMANDS_PER_RUN) },
    );
  }, 180_000);
});
