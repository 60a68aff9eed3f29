/**
 * `exportScope` / `importScope` on LMDB (API.md v2 "Export / import"; the bytes are core's
 * dump-format.ts). The registry hands in what it owns (ids, reservations, the commit step) as
 * a `DumpHost`; this module walks the tables.
 *
 * Export reads one snapshot (`useReadTransaction`, one reader slot, released at the end), in
 * pages that are read to the end synchronously: no lmdb-js iterator is ever suspended across
 * an `await`, and the sink is awaited between pages (its backpressure bounds what is buffered).
 *
 * Import writes the entries under a fresh reserved id, one small write transaction per slice
 * of input (about 1 MiB): nobody reads that id. Only after the dump checked out (counts,
 * checksum) does one write transaction map the name to it (dropping the old id with
 * `replace`) and set its stats. A failure anywhere before that hands the id to reclaim.
 */
import {
  type DumpSink,
  type DumpSource,
  type DumpSummary,
  type ExportScopeOptions,
  type ImportScopeOptions,
  MAX_KEY_BYTES,
  type NamedScope,
  SCOPE_ID_BYTES,
  ScopedDbError,
  type ScopeLike,
  type ScopeStats,
} from '@scoped-lmdb/core';
import {
  checkDumpCodecs,
  checkDumpOptions,
  DumpReader,
  DumpWriter,
  dumpFailure,
  dumpScope,
  isClosing,
  type MetaRecord,
  type RecordedTable,
  readMetaRecords,
  recordedTables,
  selectDumpDatabases,
} from '@scoped-lmdb/core/internal';
import type { RootDatabase } from 'lmdb';

/** Entries read per page of an export (then the sink is awaited). */
const EXPORT_PAGE = 10_000;
/** An export page also ends once this much waits at the sink. */
const SETTLE_BYTES = 1024 * 1024;

/** What the registry lends the dump code. */
export interface DumpHost {
  readonly env: RootDatabase;
  /** The id a read of `scope` uses now (ensures the read snapshot it belongs to); undefined: nothing to read. */
  readId(scope: NamedScope): Uint8Array | undefined;
  /** True when the scope is registered or holds data. */
  exists(scope: NamedScope): boolean;
  /** SCOPE_EXISTS when `name` is registered or holds data (checked early; `commit` checks again). */
  refuseTaken(name: string): void;
  /** A fresh id, reserved for an import into `name` (nobody reads or takes it). */
  reserve(name: string): Uint8Array;
  /** One write transaction (STORAGE on LMDB failures). */
  write<T>(run: () => T): T;
  /** In one write transaction: `name` -> `id` (the old id dropped with `replace`, else SCOPE_EXISTS), the reservation gone, the stats set. */
  commit(name: string, id: Uint8Array, replace: boolean, stats: Map<string, ScopeStats>): void;
  /** The reserved id goes to reclaim. */
  abandon(id: Uint8Array, name: string): void;
}

function noDatabase(method: string, scope: NamedScope, name: string, hint: string): ScopedDbError {
  return new ScopedDbError(
    'INVALID_INPUT',
    `${method} of scope ${JSON.stringify(scope.name)}: there is no scoped database "${name}" in this env${hint}`,
  );
}

/** The id's range in a `_scoped` table, from a given key on. */
function pageRange(id: Uint8Array, after: Uint8Array | undefined) {
  const end = new Uint8Array(id);
  let i = end.length - 1;
  while (i >= 0 && end[i] === 0xff) end[i--] = 0;
  const range: { start: Uint8Array; end?: Uint8Array; exclusiveStart?: boolean } = { start: after ?? id };
  if (i >= 0) {
    end[i]! += 1;
    range.end = end;
  }
  if (after) range.exclusiveStart = true;
  return range;
}

/** A closed env is STORAGE before anything is read (its tables would answer "no such database"). */
function refuseClosed(host: DumpHost, method: string, s: NamedScope): void {
  if (isClosing(host.env)) throw new ScopedDbError('STORAGE', `${method} of scope ${JSON.stringify(s.name)}: the environment is closed`);
}

/** Streams one read snapshot of `scope` (the chosen databases) to `sink` in the dump format. */
export async function exportScope(host: DumpHost, scope: ScopeLike, sink: DumpSink, options?: ExportScopeOptions): Promise<DumpSummary> {
  const method = 'exportScope';
  const s = dumpScope(scope, method);
  const only = checkDumpOptions(options, method);
  refuseClosed(host, method, s);
  const records = readMetaRecords(host.env);
  for (const name of only ?? []) if (!records.has(name)) throw noDatabase(method, s, name, '');
  const names = only ? [...new Set(only)] : [...records.keys()];
  const tables = new Map<string, RecordedTable>(recordedTables(host.env).map((table) => [table.name, table]));
  if (!host.exists(s))
    throw new ScopedDbError('INVALID_INPUT', `${method}: scope ${JSON.stringify(s.name)} does not exist (not registered, no data)`);
  // The id and the snapshot in one synchronous block: the id is the one this snapshot maps.
  const id = host.readId(s);
  const snapshot = host.env.useReadTransaction();
  let writer: DumpWriter | undefined;
  try {
    const counts = names.map((name) => {
      const table = tables.get(name);
      return id && table ? table.scoped.getCount({ ...pageRange(id, undefined), transaction: snapshot }) : 0;
    });
    const total = counts.reduce((a, b) => a + b, 0);
    writer = new DumpWriter(
      sink,
      {
        scope: s.name,
        backend: 'lmdb',
        databases: names.map((name, i) => {
          const record = records.get(name) as MetaRecord;
          return {
            name,
            kind: record.kind ?? null,
            keyCodec: record.keyCodec,
            valueCodec: record.valueCodec,
            entries: counts[i] as number,
          };
        }),
      },
      method,
    );
    writer.start();
    let done = 0;
    for (const [i, name] of names.entries()) {
      writer.database(i);
      const table = tables.get(name);
      if (!id || !table) continue;
      let after: Uint8Array | undefined;
      for (;;) {
        let read = 0;
        let last: Uint8Array | undefined;
        for (const { key, value } of table.scoped.getRange({ ...pageRange(id, after), limit: EXPORT_PAGE, transaction: snapshot })) {
          writer.entry(key, value, SCOPE_ID_BYTES);
          last = key;
          read++;
          if (writer.unsettled >= SETTLE_BYTES) break;
        }
        if (last === undefined) break;
        after = new Uint8Array(last);
        done += read;
        options?.onProgress?.(done, total);
        await writer.settle();
      }
    }
    const summary = await writer.finish();
    if (done === 0) options?.onProgress?.(0, 0);
    return summary;
  } catch (error) {
    writer?.release();
    throw dumpFailure(method, s, error);
  } finally {
    snapshot.done();
  }
}

/** Loads a dump into `scope`, all or nothing (see the file comment). */
export async function importScope(
  host: DumpHost,
  source: DumpSource,
  scope: ScopeLike,
  options?: ImportScopeOptions,
): Promise<DumpSummary> {
  const method = 'importScope';
  const s = dumpScope(scope, method);
  const only = checkDumpOptions(options, method);
  refuseClosed(host, method, s);
  const replace = options?.replace === true;
  const context = `${method} of scope ${JSON.stringify(s.name)}`;
  const reader = new DumpReader(source, context);
  try {
    const header = await reader.header();
    const selected = selectDumpDatabases(header, only, context);
    const records = readMetaRecords(host.env);
    const tables = new Map<string, RecordedTable>(recordedTables(host.env).map((table) => [table.name, table]));
    const targets: (RecordedTable | undefined)[] = header.databases.map((db, i) => {
      if (!selected[i]) return undefined;
      const record = records.get(db.name);
      const table = tables.get(db.name);
      if (!record || !table) throw noDatabase(method, s, db.name, ' (create it, with the codecs the dump names, before importing)');
      checkDumpCodecs(db, record, context);
      return table;
    });
    if (!replace) host.refuseTaken(s.name);
    const total = header.databases.reduce((sum, db, i) => sum + (targets[i] ? db.entries : 0), 0);
    const id = host.reserve(s.name);
    const key = new Uint8Array(SCOPE_ID_BYTES + MAX_KEY_BYTES);
    key.set(id, 0);
    /** One view of `key` per key length, made once (a view per entry would cost more than the put's copy). */
    const views: Uint8Array[] = [];
    const stats = header.databases.map(() => ({ entries: 0, bytes: 0 }));
    let done = 0;
    try {
      await reader.entries({
        entry(database, encodedKey, value) {
          const table = targets[database];
          if (!table) return;
          const length = encodedKey.length;
          if (length <= 64) for (let i = 0; i < length; i++) key[SCOPE_ID_BYTES + i] = encodedKey[i] as number;
          else key.set(encodedKey, SCOPE_ID_BYTES);
          views[length] ??= key.subarray(0, SCOPE_ID_BYTES + length);
          table.scoped.putSync(views[length], value);
          const counted = stats[database] as ScopeStats;
          counted.entries++;
          counted.bytes += encodedKey.length + value.length;
          done++;
        },
        async batch(parse) {
          host.write(parse);
          options?.onProgress?.(done, Math.max(total, done));
          await new Promise<void>((resolve) => setImmediate(resolve)); // writers elsewhere get their turn
        },
      });
      const byName = new Map<string, ScopeStats>();
      for (const [i, db] of header.databases.entries()) if (targets[i]) byName.set(db.name, stats[i] as ScopeStats);
      host.commit(s.name, id, replace, byName);
      const databases = Object.fromEntries([...byName].map(([name, counted]) => [name, counted.entries]));
      return { entries: done, databases };
    } catch (error) {
      try {
        host.abandon(id, s.name);
      } catch {
        // the env is closing: the reservation is released as stale at the next open
      }
      throw dumpFailure(method, s, error);
    }
  } catch (error) {
    reader.cancel();
    throw error;
  }
}
