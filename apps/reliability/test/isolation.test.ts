import { keyFormat, type RangeOptions, Scope, type ScopedBytesDatabase, scopedDatabaseOptions } from '@scoped-lmdb/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjacentScopeNames, edgeScopeNames, hex, idOf, tempEnv } from './helpers.js';

/**
 * Isolation under fault: a ScopedView is handed hostile keys and range options (bytes
 * that spell a neighbour's id, its upper bound, whole raw keys of another scope, the
 * names of LMDB's table records) and must still answer exactly what an in-memory model
 * of its own scope answers, and leave every other scope untouched.
 */
const [twinLow, twinHigh] = adjacentScopeNames();
const NAMED = [...Object.values(edgeScopeNames), twinLow, twinHigh, 'tenant-a', 'tenant-b'];
const SCOPES: (string | null)[] = [null, ...NAMED];

/** Byte strings that sit exactly on or next to some scope's bounds. */
function boundaryKeys(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const name of NAMED) {
    const { start, end } = keyFormat.bounds(name);
    out.push(start, start.subarray(0, 4), start.subarray(0, 7));
    if (end) out.push(end);
    const below = start.slice();
    below[7] = (below[7] as number) - 1; // may wrap: still a nearby id
    out.push(below);
    out.push(keyFormat.encode(name, Uint8Array.of(0x00)), keyFormat.encode(name, Uint8Array.of(0xff, 0xff)));
  }
  // Names of LMDB's named tables, without the trailing NUL of their records in the main database.
  for (const table of TABLES) out.push(Buffer.from(table));
  out.push(Uint8Array.of(0x00), Uint8Array.of(0xff), new Uint8Array(8).fill(0xff), new Uint8Array(9).fill(0xff), new Uint8Array(8));
  return out;
}

const TABLES = ['iso', 'iso_scoped', 'iso2_scoped', '__scoped_lmdb_meta', '__global_scope_metadata'];
/** The exact keys of the table records in LMDB's main database (lmdb-js stores the name plus NUL). */
const TABLE_RECORDS = TABLES.map((table) => Buffer.from(`${table}\0`));
const BOUNDARY = boundaryKeys();
const smallKey = fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0xfe, 0xff), { minLength: 1, maxLength: 3 }).map((k) => Uint8Array.from(k));
/** Keys: small edge-byte keys, bounds of other scopes, and those followed by a byte. */
const pointKeyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: smallKey, weight: 3 },
  { arbitrary: fc.constantFrom(...BOUNDARY), weight: 3 },
  { arbitrary: fc.tuple(fc.constantFrom(...BOUNDARY), smallKey).map(([a, b]) => Buffer.concat([a, b])), weight: 1 },
);
/** Any key may also be the exact key of a table record in the main database. */
const keyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: pointKeyArb, weight: 6 },
  { arbitrary: fc.constantFrom(...TABLE_RECORDS), weight: 1 },
);
const rangeArb: fc.Arbitrary<RangeOptions<Uint8Array>> = fc.record(
  {
    start: keyArb,
    end: keyArb,
    reverse: fc.boolean(),
    inclusiveEnd: fc.boolean(),
    exclusiveStart: fc.boolean(),
    limit: fc.nat(12),
    offset: fc.nat(6),
  },
  { requiredKeys: [] },
);

type Op =
  | { op: 'getRange' | 'getKeys' | 'getCount'; range: RangeOptions<Uint8Array> }
  | { op: 'get' | 'doesExist' | 'removeSync' | 'remove'; key: Uint8Array }
  | { op: 'getMany'; keys: Uint8Array[] }
  | { op: 'putSync' | 'put'; key: Uint8Array; value: Uint8Array }
  | { op: 'clearSync' | 'clearAsync' | 'isEmpty' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom('getRange', 'getKeys', 'getCount'), range: rangeArb }), weight: 8 },
  { arbitrary: fc.record({ op: fc.constantFrom('get', 'doesExist', 'removeSync', 'remove'), key: keyArb }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('getMany'), keys: fc.array(keyArb, { maxLength: 4 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constantFrom('putSync', 'put'), key: keyArb, value: fc.uint8Array({ maxLength: 4 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constantFrom('clearSync', 'clearAsync', 'isEmpty') }), weight: 1 },
) as fc.Arbitrary<Op>;

type Model = Map<string, string>; // hex key -> hex value

/** lmdb-js range semantics on a sorted copy of the model. */
function modelRange(entries: Model, o: RangeOptions<Uint8Array>): [string, string][] {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const start = o.start && hex(o.start);
  const end = o.end && hex(o.end);
  const inRange = (k: string) =>
    o.reverse
      ? !(start !== undefined && (o.exclusiveStart ? k >= start : k > start)) &&
        !(end !== undefined && (o.inclusiveEnd ? k < end : k <= end))
      : !(start !== undefined && (o.exclusiveStart ? k <= start : k < start)) &&
        !(end !== undefined && (o.inclusiveEnd ? k > end : k >= end));
  const picked = (o.reverse ? sorted.reverse() : sorted).filter(([k]) => inRange(k));
  const offset = o.offset ?? 0;
  return picked.slice(offset, o.limit === undefined ? undefined : offset + o.limit);
}

/** Every entry of every scope of both databases, read through the raw tables (not through the library). */
function snapshotOthers(dbs: ScopedBytesDatabase[], target: { db: number; scope: string | null }): string {
  const parts: string[] = [];
  dbs.forEach((db, index) => {
    for (const scope of SCOPES) {
      if (index === target.db && scope === target.scope) continue;
      for (const { key, value } of db.getRange(scope)) parts.push(`${index}/${scope}/${hex(key)}=${hex(value)}`);
    }
  });
  return parts.join('\n');
}

describe('isolation under fault', () => {
  it('the test scopes really are neighbours at the edges of the id space', () => {
    // If these stop holding (e.g. the hash changes), the property below loses its teeth.
    expect(idOf(edgeScopeNames.startsWith00)[0]).toBe(0x00);
    expect(idOf(edgeScopeNames.startsWithFF)[0]).toBe(0xff);
    expect(hex(idOf(twinLow)).slice(0, 8)).toBe(hex(idOf(twinHigh)).slice(0, 8));
    expect(Buffer.compare(idOf(twinLow), idOf(twinHigh))).toBe(-1);
  });

  it('a view answers exactly what a model of its own scope answers, whatever keys and ranges it gets', async () => {
    const env = tempEnv();
    const plain = scopedDatabaseOptions(env).rawBytes().name('iso').create();
    // DEFAULT of this one shares LMDB's main database with the table records.
    const unnamed = scopedDatabaseOptions(env).rawBytes().name('iso2').unnamedForDefault().create();
    const dbs = [plain, unnamed];
    const models = dbs.map(() => new Map<string | null, Model>(SCOPES.map((s) => [s, new Map()])));

    // Seed every scope with keys that look like the bounds of the others.
    for (const [index, db] of dbs.entries()) {
      for (const scope of SCOPES) {
        for (const key of [...BOUNDARY.slice(0, 12), Uint8Array.of(0x00), Uint8Array.of(0xff, 0xff)]) {
          const value = Buffer.from(`${index}:${scope}`);
          db.putSync(scope, key, value);
          models[index]?.get(scope)?.set(hex(key), hex(value));
        }
      }
    }

    const targetArb = fc.record({ db: fc.constantFrom(0, 1), scope: fc.constantFrom(...SCOPES) });
    await fc.assert(
      fc.asyncProperty(targetArb, fc.array(opArb, { minLength: 1, maxLength: 25 }), async (target, ops) => {
        const db = dbs[target.db] as ScopedBytesDatabase;
        const model = models[target.db]?.get(target.scope) as Model;
        const view = db.scope(target.scope);
        expect(view.scope.equals(target.scope)).toBe(true);
        const before = snapshotOthers(dbs, target);
        // In the DEFAULT scope of the database that lives in LMDB's main table, the keys of
        // table records are out of reach: reads miss, writes are refused.
        const reserved = (key: Uint8Array) =>
          target.db === 1 && target.scope === null && TABLE_RECORDS.some((r) => Buffer.compare(r, key) === 0);
        // Every generated key is otherwise valid (1 to 12 bytes), so no other step may throw.
        for (const step of ops) await applyAndCompare(view, model, step, reserved);
        expect(snapshotOthers(dbs, target)).toBe(before);
      }),
      { numRuns: 400 },
    );
  }, 55_000);

  it('a DEFAULT view over the main database never yields table records, even with ranges aimed at them', () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).rawBytes().name('main').unnamedForDefault().create();
    scopedDatabaseOptions(env).rawBytes().name('other').create().putSync('t', Uint8Array.of(1), Uint8Array.of(1));
    const view = db.scope(Scope.DEFAULT);
    expect(view.getCount()).toBe(0);
    for (const start of [Buffer.from('main_scoped'), Buffer.from('other'), Buffer.from('__'), Uint8Array.of(0x00)]) {
      expect([...view.getKeys({ start })]).toEqual([]);
      expect([...view.getKeys({ start, reverse: true })]).toEqual([]);
      expect(view.getCount({ start, inclusiveEnd: true, end: Uint8Array.of(0xff) })).toBe(0);
    }
    for (const key of [Buffer.from('main_scoped'), Buffer.from('other')]) expect(view.get(key)).toBeUndefined();
    expect(view.isEmpty()).toBe(true);
    expect(view.clearSync()).toBe(0);
    // The other database is still there and readable.
    expect(scopedDatabaseOptions(env).rawBytes().name('other').create().getCount('t')).toBe(1);
  });
});

/**
 * With unnamedForDefault, LMDB keeps each named table's record (name + NUL) in the DEFAULT
 * scope's keyspace. Before core guarded them, `get` returned the 48-byte internal record and
 * `putSync` reported a write that LMDB had ignored.
 */
describe('table records in the main database', () => {
  const setup = () => {
    const env = tempEnv();
    const db = scopedDatabaseOptions(env).rawBytes().name('m').unnamedForDefault().create();
    db.putSync('s', Uint8Array.of(1), Uint8Array.of(1));
    return db.scope(null);
  };
  const record = Buffer.from('m_scoped\0');

  it('get and doesExist of a table record key miss, as for any absent key', async () => {
    const view = setup();
    expect(view.get(record)).toBeUndefined();
    expect(view.doesExist(record)).toBe(false);
    expect(await view.getMany([record])).toEqual([undefined]);
    expect(view.removeSync(record)).toBe(false);
    expect(await view.remove(record)).toBe(false);
  });

  it('writes to a table record key are INVALID_INPUT (sync, async, in a transaction), and the table survives', async () => {
    const view = setup();
    const invalid = expect.objectContaining({ name: 'ScopedDbError', code: 'INVALID_INPUT' });
    expect(() => view.putSync(record, Uint8Array.of(9))).toThrow(invalid);
    await expect(view.put(record, Uint8Array.of(9))).rejects.toEqual(invalid);
    expect(() => view.transactionSync(() => view.putSync(record, Uint8Array.of(9)))).toThrow(invalid);
    expect(view.get(record)).toBeUndefined();
    // The scoped table whose record that is still works.
    expect(view.getCount()).toBe(0);
  });
});

async function applyAndCompare(
  view: ReturnType<ScopedBytesDatabase['scope']>,
  model: Model,
  step: Op,
  reserved: (key: Uint8Array) => boolean,
): Promise<void> {
  if ((step.op === 'put' || step.op === 'putSync') && reserved(step.key)) {
    const invalid = expect.objectContaining({ name: 'ScopedDbError', code: 'INVALID_INPUT' });
    if (step.op === 'put') await expect(view.put(step.key, step.value)).rejects.toEqual(invalid);
    else expect(() => view.putSync(step.key, step.value)).toThrow(invalid);
    return;
  }
  switch (step.op) {
    case 'getRange': {
      const got = [...view.getRange(step.range)].map(({ key, value }) => [hex(key), hex(value)]);
      expect(got).toEqual(modelRange(model, step.range));
      return;
    }
    case 'getKeys':
      expect([...view.getKeys(step.range)].map(hex)).toEqual(modelRange(model, step.range).map(([k]) => k));
      return;
    case 'getCount':
      expect(view.getCount(step.range)).toBe(modelRange(model, step.range).length);
      return;
    case 'get': {
      const value = view.get(step.key);
      expect(value === undefined ? undefined : hex(value)).toBe(model.get(hex(step.key)));
      return;
    }
    case 'doesExist':
      expect(view.doesExist(step.key)).toBe(model.has(hex(step.key)));
      return;
    case 'getMany': {
      const values = await view.getMany(step.keys);
      expect(values.map((v) => (v === undefined ? undefined : hex(v)))).toEqual(step.keys.map((k) => model.get(hex(k))));
      return;
    }
    case 'removeSync':
    case 'remove': {
      const existed = step.op === 'remove' ? await view.remove(step.key) : view.removeSync(step.key);
      expect(existed).toBe(model.delete(hex(step.key)));
      return;
    }
    case 'putSync':
    case 'put':
      expect(step.op === 'put' ? await view.put(step.key, step.value) : view.putSync(step.key, step.value)).toBe(true);
      model.set(hex(step.key), hex(step.value));
      return;
    case 'clearSync':
    case 'clearAsync': {
      const removed = step.op === 'clearAsync' ? await view.clearAsync() : view.clearSync();
      expect(removed).toBe(model.size);
      model.clear();
      return;
    }
    case 'isEmpty':
      expect(view.isEmpty()).toBe(model.size === 0);
      return;
  }
}
