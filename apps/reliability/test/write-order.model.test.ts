import { codecs, type ScopedDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgeScopeNames, tempEnv } from './helpers.js';

/**
 * Model-based test of API.md "Write order": random sequences of writes, issued in bursts
 * without awaiting, over two databases of one env with a registry, against an in-memory
 * model applied in call order. Every resolved value (put's true, remove's boolean, clear's
 * count, what a transaction callback read at its place) must be what the model said at the
 * write's place, and after each burst every scope must hold what the model holds.
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
  | { op: 'transaction' | 'transactionSync'; db: DbName; scope: ScopeName; key: string; value: number; other: DbName }
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
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'settle' as const }) },
) as fc.Arbitrary<Command>;

type Model = Map<string, Map<string, number>>;
const slot = (db: DbName, scope: ScopeName) => `${db}/${scope ?? ''}`;

async function run(commands: Command[]): Promise<void> {
  const env = tempEnv();
  const registry = GlobalScopeRegistry.open(env);
  const dbs = Object.fromEntries(
    DATABASES.map((name) => [
      name,
      scopedDatabaseOptions(env, { registry }).types(codecs.string(), codecs.json<number>()).name(name).create(),
    ]),
  ) as Record<DbName, ScopedDatabase<string, number>>;
  const model: Model = new Map();
  const entries = (db: DbName, scope: ScopeName) => {
    let found = model.get(slot(db, scope));
    if (!found) model.set(slot(db, scope), (found = new Map()));
    return found;
  };
  // Each pending check: the promise, and what the model said at its place.
  let pending: { what: string; promise: Promise<unknown>; expected: unknown }[] = [];
  const expectLater = (what: string, promise: Promise<unknown>, expected: unknown) => pending.push({ what, promise, expected });

  const settle = async () => {
    const settled = await Promise.allSettled(pending.map((p) => p.promise));
    settled.forEach((outcome, i) => {
      const { what, expected } = pending[i] as (typeof pending)[number];
      expect(outcome, what).toEqual({ status: 'fulfilled', value: expected });
    });
    pending = [];
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

  for (const [i, c] of commands.entries()) {
    if (c.op === 'settle') {
      await settle();
      continue;
    }
    const db = dbs[c.db];
    const here = entries(c.db, c.scope);
    const what = `#${i} ${c.op} ${c.db} ${String(c.scope)}`;
    switch (c.op) {
      case 'put':
        here.set(c.key, c.value);
        expectLater(what, db.put(c.scope, c.key, c.value), true);
        break;
      case 'putSync':
        here.set(c.key, c.value);
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
        const body = () => {
          const read = db.get(c.scope, c.key);
          db.putSync(c.scope, c.key, c.value);
          const removed = dbs[c.other].removeSync(c.scope, 'b');
          return { read: read ?? null, removed };
        };
        here.set(c.key, c.value);
        const expected = { read: seen ?? null, removed: other.delete('b') };
        if (c.op === 'transaction') expectLater(what, db.transaction(body), expected);
        else expect(db.transactionSync(body), what).toEqual(expected);
        break;
      }
    }
  }
  await settle();
  await env.close();
}

describe('un-awaited write interleavings against the model, with a registry', () => {
  it(`apply in call order (${TOTAL_COMMANDS} commands)`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(commandArb, { minLength: COMMANDS_PER_RUN, maxLength: COMMANDS_PER_RUN + 20 }), run), {
      numRuns: Math.ceil(TOTAL_COMMANDS / COMMANDS_PER_RUN),
    });
  }, 180_000);
});
