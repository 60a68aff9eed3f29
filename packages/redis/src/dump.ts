/**
 * `exportScope` / `importScope` on Redis, in core's dump format (dump-format.ts), so a dump
 * made on LMDB loads here and back.
 *
 * Export walks each database's ZSET with ZRANGE BYLEX pages, each page's values read by HMGET
 * in the same script (COPY_PAGE_SCRIPT, as copyScope reads): memory is one page. Redis has no
 * snapshot across round trips: each page is atomic, and writes made to the scope while an
 * export runs may or may not be in it (pause them for a point-in-time dump).
 *
 * Import goes through the lifecycle's copy machinery (lifecycle.ts `importInto`): the entries
 * are written into a fresh reserved id with FILL_SCRIPT, and one lifecycle step makes that id
 * the scope's once the whole dump checked out; any failure hands the id to reclaim.
 */
import {
  type DumpSink,
  type DumpSource,
  type DumpSummary,
  type ExportScopeOptions,
  type ImportScopeOptions,
  keyFormat,
  ScopedDbError,
  type ScopeLike,
} from '@scoped-lmdb/core';
import {
  checkDatabaseName,
  checkDumpCodecs,
  checkDumpOptions,
  DumpReader,
  DumpWriter,
  dumpFailure,
  dumpScope,
  selectDumpDatabases,
} from '@scoped-lmdb/core/internal';
import type { RedisCaller } from './caller.js';
import { DATABASE_META_KEY, dataKeys, idRecordKeys } from './layout.js';
import type { FillWriter, Lifecycle } from './lifecycle.js';
import type { Router } from './routes.js';
import { COPY_PAGE_SCRIPT, COUNT_SCRIPT, DATABASE_META_SCRIPT } from './scripts.js';

/** Entries per export page (a page's keys are unpacked on the Lua stack, at most 8 000). */
const EXPORT_PAGE = 2_000;
/** Entries per import write (one FILL_SCRIPT call). */
const IMPORT_BATCH = 2_000;
/** An import write also ends at about this many bytes of keys and values. */
const IMPORT_BATCH_BYTES = 512 * 1024;

/** What the store lends the dump code. */
export interface RedisDumpHost {
  readonly caller: RedisCaller;
  readonly router: Router;
  readonly lifecycle: Lifecycle;
}

/** A database's codec record, as `store.database()` first records it (DATABASE_META_SCRIPT). */
interface CodecRecord {
  keyCodec: string;
  valueCodec: string;
}

async function codecRecords(host: RedisDumpHost, method: string): Promise<Map<string, CodecRecord>> {
  const raw = await host.caller.call(method, (client) => client.hgetall(DATABASE_META_KEY) as Promise<Record<string, string>>);
  const records = new Map<string, CodecRecord>();
  for (const [name, json] of Object.entries(raw)) {
    try {
      const record = JSON.parse(json) as Partial<CodecRecord>;
      if (typeof record.keyCodec === 'string' && typeof record.valueCodec === 'string') {
        records.set(name, { keyCodec: record.keyCodec, valueCodec: record.valueCodec });
      }
    } catch {
      // not a record this package wrote
    }
  }
  return records;
}

/** Streams `scope` (the chosen databases) to `sink`, page by page. */
export async function exportScope(
  host: RedisDumpHost,
  scope: ScopeLike,
  sink: DumpSink,
  options?: ExportScopeOptions,
): Promise<DumpSummary> {
  const method = 'exportScope';
  const s = dumpScope(scope, method);
  const only = checkDumpOptions(options, method);
  let writer: DumpWriter | undefined;
  try {
    const records = await codecRecords(host, method);
    for (const name of only ?? []) {
      if (!records.has(name)) {
        throw new ScopedDbError('INVALID_INPUT', `${method} of scope ${JSON.stringify(s.name)}: the store has no database "${name}"`);
      }
    }
    const names = only ? [...new Set(only)] : [...records.keys()].sort();
    // Where the scope lives once this process's earlier writes to it are in.
    const located = await host.lifecycle.afterWrites(s, method, () => host.router.locate(s, method));
    const id = located.id ?? (located.data ? s.hash : undefined);
    if (id === undefined)
      throw new ScopedDbError('INVALID_INPUT', `${method}: scope ${JSON.stringify(s.name)} does not exist (not registered, no data)`);
    const counts = await Promise.all(
      names.map(async (name) => Number(await host.caller.eval<number>(method, COUNT_SCRIPT, [dataKeys({ hash: id }, name).order], []))),
    );
    const total = counts.reduce((a, b) => a + b, 0);
    writer = new DumpWriter(
      sink,
      {
        scope: s.name,
        backend: 'redis',
        databases: names.map((name, i) => {
          const record = records.get(name) as CodecRecord;
          return { name, kind: null, keyCodec: record.keyCodec, valueCodec: record.valueCodec, entries: counts[i] as number };
        }),
      },
      method,
    );
    writer.start();
    let done = 0;
    for (const [i, name] of names.entries()) {
      writer.database(i);
      const data = dataKeys({ hash: id }, name);
      let start: Buffer = Buffer.from('-');
      for (;;) {
        const [keys, values] = await host.caller.eval<[Buffer[], (Buffer | null)[]]>(
          method,
          COPY_PAGE_SCRIPT,
          [idRecordKeys(id).dropped, data.hash, data.order],
          [start, EXPORT_PAGE],
          true,
        );
        for (const [j, key] of keys.entries()) {
          const value = values[j];
          if (value) writer.entry(key, value);
        }
        done += keys.length;
        if (keys.length > 0) options?.onProgress?.(done, Math.max(total, done));
        await writer.settle();
        if (keys.length < EXPORT_PAGE) break;
        start = Buffer.concat([Buffer.from('('), keys[keys.length - 1] as Buffer]);
      }
    }
    const summary = await writer.finish();
    if (done === 0) options?.onProgress?.(0, 0);
    return summary;
  } catch (error) {
    writer?.release();
    if (error instanceof Error && error.message.includes('SCOPED_SOURCE_DROPPED')) {
      throw new ScopedDbError('STORAGE', `${method} of scope ${JSON.stringify(s.name)}: the scope was dropped while it was exported`);
    }
    throw dumpFailure(method, s, error);
  }
}

/** Loads a dump into `scope`, all or nothing. */
export async function importScope(
  host: RedisDumpHost,
  source: DumpSource,
  scope: ScopeLike,
  options?: ImportScopeOptions,
): Promise<DumpSummary> {
  const method = 'importScope';
  const s = dumpScope(scope, method);
  const only = checkDumpOptions(options, method);
  const replace = options?.replace === true;
  const context = `${method} of scope ${JSON.stringify(s.name)}`;
  const reader = new DumpReader(source, context);
  try {
    const header = await reader.header();
    const selected = selectDumpDatabases(header, only, context);
    const records = await codecRecords(host, method);
    for (const [i, db] of header.databases.entries()) {
      const record = records.get(db.name);
      if (selected[i] && !record) {
        // A first use: the names must be ones `store.database()` would take.
        try {
          checkDatabaseName(db.name);
        } catch (error) {
          throw new ScopedDbError('INVALID_INPUT', `${context}: the dump names a database no store can have: ${(error as Error).message}`);
        }
        if (db.keyCodec === '' || db.valueCodec === '') {
          throw new ScopedDbError('INVALID_INPUT', `${context}: the dump gives database "${db.name}" an empty codec name`);
        }
      }
      if (!selected[i] || !record) continue;
      checkDumpCodecs(db, record, context);
    }
    const total = header.databases.reduce((sum, db, i) => sum + (selected[i] ? db.entries : 0), 0);
    const counts = header.databases.map(() => 0);
    let done = 0;
    try {
      await host.lifecycle.importInto(s, replace, async (write: FillWriter) => {
        let batch: [string, Buffer, Buffer][] = [];
        let batchBytes = 0;
        const pieces: [string, Buffer, Buffer][][] = [];
        await reader.entries({
          entry(database, key, value) {
            if (!selected[database]) return;
            // Copies: the reader's buffer moves on.
            batch.push([(header.databases[database] as { name: string }).name, Buffer.from(key), Buffer.from(value)]);
            batchBytes += key.length + value.length;
            counts[database]!++;
            if (batch.length >= IMPORT_BATCH || batchBytes >= IMPORT_BATCH_BYTES) {
              pieces.push(batch);
              batch = [];
              batchBytes = 0;
            }
          },
          async batch(parse) {
            parse();
            for (const piece of pieces.splice(0)) {
              await write(piece);
              done += piece.length;
              options?.onProgress?.(done, Math.max(total, done));
            }
          },
        });
        if (batch.length > 0) {
          await write(batch);
          done += batch.length;
          options?.onProgress?.(done, Math.max(total, done));
        }
        // The dump checked out. A database this store never used is recorded with the dump's
        // codecs now (its first use); one recorded meanwhile with others fails the import here.
        for (const [i, db] of header.databases.entries()) {
          if (!selected[i] || records.has(db.name)) continue;
          await host.caller.eval<number>(
            method,
            DATABASE_META_SCRIPT,
            [DATABASE_META_KEY],
            [db.name, JSON.stringify({ format: keyFormat.version, keyCodec: db.keyCodec, valueCodec: db.valueCodec })],
          );
        }
        return done;
      });
    } catch (error) {
      throw dumpFailure(method, s, error);
    }
    if (done === 0) options?.onProgress?.(0, 0);
    const databases: Record<string, number> = {};
    for (const [i, db] of header.databases.entries()) if (selected[i]) databases[db.name] = counts[i] as number;
    return { entries: done, databases };
  } catch (error) {
    reader.cancel();
    throw error;
  }
}
