/**
 * Work on one id across every scoped database recorded in the env (`__scoped_lmdb_meta`),
 * for the registry's lifecycle: is anything stored under it, delete under it in small
 * passes (reclaim), copy from one id to another (copyScope). Each scoped database keeps a
 * named scope's entries in its `_scoped` table as the contiguous range [id, id + 1)
 * (key-format.ts), so all of this is ranges over stored bytes, no codec work.
 */
import type { Database, RootDatabase, Transaction } from 'lmdb';
import { idRange, replaceId, SCOPE_ID_BYTES } from '../key-format.js';
import { holdReadSnapshot, openExistingTable } from './lmdb-internals.js';
import { readMetaRecords } from './meta-table.js';
import { perEnv } from './per-env.js';
import { openedTables } from './tables.js';

type Table = Database<Uint8Array, Uint8Array>;

/** One recorded database: its name and its `_scoped` table. */
export interface RecordedTable {
  readonly name: string;
  readonly scoped: Table;
}

const openedOf = perEnv((): Map<string, RecordedTable> => new Map());

/** The `_scoped` table of every database recorded in the env (opened once; a table dropped outside the library is skipped). */
export function recordedTables(env: RootDatabase): RecordedTable[] {
  const tables = openedOf(env);
  for (const [name] of readMetaRecords(env)) {
    if (tables.has(name)) continue;
    try {
      tables.set(name, { name, scoped: openedTables(env).get(name)?.scopedTable ?? openExistingTable(env, `${name}_scoped`) });
    } catch {
      // recorded, but its tables are gone: it holds nothing
    }
  }
  return [...tables.values()];
}

function bounds(id: Uint8Array): { start: Uint8Array; end?: Uint8Array } {
  const { low, high } = idRange(id);
  return high ? { start: low as Uint8Array, end: high } : { start: low as Uint8Array };
}

/** True when any recorded database holds an entry under `id` (one seek per database). */
export function idHoldsData(env: RootDatabase, id: Uint8Array): boolean {
  const range = { ...bounds(id), limit: 1 };
  return recordedTables(env).some((table) => {
    for (const _ of table.scoped.getKeys(range)) return true;
    return false;
  });
}

/** Entries stored under `id`, per database (counted natively, bounded by the id's range). */
export function countUnderId(env: RootDatabase, id: Uint8Array, transaction?: Transaction): Map<string, number> {
  const counts = new Map<string, number>();
  const range = transaction ? { ...bounds(id), transaction } : bounds(id);
  for (const table of recordedTables(env)) counts.set(table.name, table.scoped.getCount(range));
  return counts;
}

/**
 * Inside a write transaction: deletes at most `limit` entries under `id`, database by database;
 * returns how many it deleted (fewer than `limit` means nothing is left).
 */
export function deleteUnderId(env: RootDatabase, id: Uint8Array, limit: number): number {
  let deleted = 0;
  for (const table of recordedTables(env)) {
    if (deleted >= limit) break;
    const keys = Array.from(table.scoped.getKeys({ ...bounds(id), limit: limit - deleted }) as Iterable<Uint8Array>);
    for (const key of keys) table.scoped.removeSync(key);
    deleted += keys.length;
  }
  return deleted;
}

/** A resumable copy of everything under one id to another, read from one snapshot. */
export interface IdCopy {
  /** Entries to copy in all (counted in the snapshot). */
  readonly total: number;
  /** Inside a write transaction: copies at most `limit` more entries; returns how many (0: done). */
  step(limit: number): number;
  /** What was copied so far, per database: entries and bytes (encoded keys + values). */
  readonly copied: Map<string, { entries: number; bytes: number }>;
  /** Releases the snapshot. */
  done(): void;
}

/** Copies the stored bytes under `from` to `to` in every recorded database, as of now (no codec work). */
export function copyUnderId(env: RootDatabase, from: Uint8Array, to: Uint8Array): IdCopy {
  // One read snapshot for the whole copy: writes to the source meanwhile are not half-seen.
  const held = holdReadSnapshot(env);
  const snapshot = held.transaction as Transaction;
  const tables = recordedTables(env);
  const total = [...countUnderId(env, from, snapshot).values()].reduce((a, b) => a + b, 0);
  let index = 0;
  let after: Uint8Array | undefined;
  const copied = new Map<string, { entries: number; bytes: number }>();
  return {
    total,
    copied,
    step(limit) {
      let stepped = 0;
      while (stepped < limit && index < tables.length) {
        const table = tables[index] as RecordedTable;
        const range = after ? { ...bounds(from), start: after, exclusiveStart: true } : bounds(from);
        let last: Uint8Array | undefined;
        const entries = table.scoped.getRange({ ...range, limit: limit - stepped, transaction: snapshot }) as Iterable<{
          key: Uint8Array;
          value: Uint8Array;
        }>;
        const sum = copied.get(table.name) ?? { entries: 0, bytes: 0 };
        copied.set(table.name, sum);
        for (const { key, value } of entries) {
          last = key;
          const target = new Uint8Array(key);
          replaceId(target, to);
          table.scoped.putSync(target, value);
          stepped++;
          sum.entries++;
          sum.bytes += key.length - SCOPE_ID_BYTES + value.length;
        }
        if (last === undefined || stepped < limit) {
          index++;
          after = undefined;
        } else {
          after = last;
        }
      }
      return stepped;
    },
    done() {
      held.done();
    },
  };
}
