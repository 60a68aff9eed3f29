// The record `create()` keeps for each database in the meta table, and the main-database
// keys that this library's tables occupy (which `unnamedForDefault` ranges must skip).
import type { RootDatabase } from 'lmdb';
import { META_TABLE, REGISTRY_TABLE, scopedTableName } from './key-format.js';

/** What kind of database a table pair holds. */
export type DatabaseKind = 'types' | 'bytesKeys' | 'rawBytes';

const utf8 = new TextEncoder();

/** Keys (as latin1 strings) of the main-database records of this library's tables. */
export function libraryTableRecords(env: RootDatabase): Set<string> {
  const names = [META_TABLE, REGISTRY_TABLE];
  const meta = env.openDB(META_TABLE, { keyEncoding: 'binary', encoding: 'binary' });
  for (const { key, value } of meta.getRange({})) {
    const name = Buffer.from(key as Uint8Array).toString('utf8');
    names.push(scopedTableName(name));
    if (!parseMetaRecord(value as Uint8Array)?.unnamedForDefault) names.push(name);
  }
  const records = new Set<string>();
  for (const name of names) {
    // lmdb-js stores a table's name with a trailing NUL; the bare name is an ordinary key.
    records.add(`${Buffer.from(utf8.encode(name)).toString('latin1')}\0`);
  }
  return records;
}

export interface MetaRecord {
  format: number;
  kind: DatabaseKind;
  keyCodec: string;
  valueCodec: string;
  unnamedForDefault?: true;
  /** Set once the database was opened with a registry: without one its scopes could not be listed. */
  registry?: true;
}

/** Every database recorded in the env's meta table, by name (none when there is no meta table yet). */
export function readMetaRecords(env: RootDatabase): Map<string, MetaRecord | undefined> {
  const records = new Map<string, MetaRecord | undefined>();
  let meta: ReturnType<RootDatabase['openDB']>;
  try {
    // `create: false` (lmdb-js: open only if it exists) is missing from lmdb-js's types.
    const options = { name: META_TABLE, keyEncoding: 'binary', encoding: 'binary', create: false } as const;
    meta = env.openDB(options as unknown as { name: string });
  } catch {
    return records;
  }
  for (const { key, value } of meta.getRange({})) {
    records.set(Buffer.from(key as Uint8Array).toString('utf8'), parseMetaRecord(value as Uint8Array));
  }
  return records;
}

export function parseMetaRecord(bytes: Uint8Array): MetaRecord | undefined {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as MetaRecord;
  } catch {
    return undefined;
  }
}
