/**
 * The check the stats tests share: every stats record of an env equals a recount of the raw
 * tables, done here without the library (raw lmdb-js reads of `<db>` and `<db>_scoped`).
 */
import { Scope, type ScopeStats } from '@scoped-lmdb/core';
import { STATS_TABLE } from '@scoped-lmdb/core/internal';
import type { GlobalScopeRegistry } from '@scoped-lmdb/registry';
import type { RootDatabase } from 'lmdb';
import { expect } from 'vitest';

type Raw = { key: Uint8Array; value: Uint8Array };
const ZERO: ScopeStats = { entries: 0, bytes: 0 };
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Entries and bytes (key without the id, plus value) per id in hex (`default` for DEFAULT), from the raw tables. */
export function recount(env: RootDatabase, database: string): Map<string, ScopeStats> {
  const out = new Map<string, ScopeStats>();
  const add = (id: string, keyBytes: number, valueBytes: number) => {
    const now = out.get(id) ?? ZERO;
    out.set(id, { entries: now.entries + 1, bytes: now.bytes + keyBytes + valueBytes });
  };
  const raw = (name: string) => env.openDB(name, { keyEncoding: 'binary', encoding: 'binary' });
  for (const { key, value } of raw(database).getRange({}) as Iterable<Raw>) add('default', key.length, value.length);
  for (const { key, value } of raw(`${database}_scoped`).getRange({}) as Iterable<Raw>)
    add(hexOf(key.subarray(0, 8)), key.length - 8, value.length);
  return out;
}

/** The stored stats records of `database`, by id in hex (`default` for DEFAULT), straight from the stats table. */
function storedRecords(env: RootDatabase, database: string): Map<string, ScopeStats> {
  const out = new Map<string, ScopeStats>();
  const prefix = Buffer.from(`${database}\0`);
  const table = env.openDB(STATS_TABLE, { keyEncoding: 'binary', encoding: 'binary' });
  for (const { key, value } of table.getRange({}) as Iterable<Raw>) {
    if (!Buffer.from(key.subarray(0, prefix.length)).equals(prefix)) continue;
    const id = key.length === prefix.length ? 'default' : hexOf(key.subarray(prefix.length));
    const view = Buffer.from(value);
    out.set(id, { entries: view.readDoubleBE(0), bytes: view.readDoubleBE(8) });
  }
  return out;
}

interface StatsKeeping {
  readonly name: string;
  getStats(scope: string | null): ScopeStats;
}

/**
 * Every registered scope's stats (and DEFAULT's) equal the recount, through `db.getStats` and
 * `registry.scopeStats`; no record is kept for an id that no name maps to (a dropped or
 * abandoned id counts as empty at once, while reclaim still deletes its entries).
 * Returns the number of scopes checked that hold data.
 */
export function expectStatsExact(env: RootDatabase, registry: GlobalScopeRegistry, dbs: readonly StatsKeeping[]): number {
  const names = registry
    .listAllScopes()
    .filter((s) => s.isNamed())
    .map((s) => s.name as string);
  let withData = 0;
  for (const db of dbs) {
    const counted = recount(env, db.name);
    const stored = storedRecords(env, db.name);
    const idOf = (name: string) => (registry.idOf(name) as bigint).toString(16).padStart(16, '0');
    const live = new Set(['default', ...names.map(idOf)]);
    for (const [id, stats] of stored)
      expect(live.has(id), `${db.name}: a stats record ${JSON.stringify(stats)} for unmapped id ${id}`).toBe(true);
    expect(db.getStats(null), `${db.name} DEFAULT`).toEqual(counted.get('default') ?? ZERO);
    for (const name of names) {
      const expected = counted.get(idOf(name)) ?? ZERO;
      if (expected.entries > 0) withData++;
      expect(db.getStats(name), `${db.name} ${name}`).toEqual(expected);
      expect(registry.scopeStats(Scope.named(name)).databases[db.name], `${db.name} ${name} (registry)`).toEqual(expected);
    }
  }
  return withData;
}
