/** What both services share: scan ranges from key arguments, row shapes, error helpers. */
import { type DumpSummary, ScopedDbError } from '@scoped-lmdb/core';
import { parseKeyArgument, show, toHex } from './codecs.js';
import type { Counts, DatabaseInfo, ScanEntry, ScanOptions, ScopeKind, ScopeRow, TransferResult } from './service.js';

/** The range options (over stored key bytes) of a scan page; `limit` is one more than the page, to tell whether more follow. */
export interface ByteRange {
  start?: Uint8Array;
  end?: Uint8Array;
  exclusiveStart?: boolean;
  inclusiveEnd?: boolean;
  reverse?: boolean;
  limit: number;
}

/** The bytes right after every key that starts with `prefix` (undefined when there is none: all 0xFF). */
export function successor(prefix: Uint8Array): Uint8Array | undefined {
  const next = new Uint8Array(prefix);
  for (let i = next.length - 1; i >= 0; i--) {
    if ((next[i] as number) < 0xff) {
      next[i] = (next[i] as number) + 1;
      return next.slice(0, i + 1);
    }
  }
  return undefined;
}

export function scanRange(keyCodec: string, options: ScanOptions, limit: number): ByteRange {
  const reverse = options.reverse === true;
  const range: ByteRange = { limit: limit + 1, ...(reverse ? { reverse } : {}) };
  if (options.prefix !== undefined) {
    if (options.start !== undefined || options.end !== undefined) {
      throw new ScopedDbError('INVALID_INPUT', 'scan: give either a prefix or start/end bounds, not both');
    }
    const prefix = parseKeyArgument(options.prefix, keyCodec, 'prefix');
    const after = successor(prefix);
    if (reverse) {
      if (after) Object.assign(range, { start: after, exclusiveStart: true });
      Object.assign(range, { end: prefix, inclusiveEnd: true });
    } else {
      range.start = prefix;
      if (after) range.end = after;
    }
  } else {
    if (options.start !== undefined) range.start = parseKeyArgument(options.start, keyCodec, 'start');
    if (options.end !== undefined) range.end = parseKeyArgument(options.end, keyCodec, 'end');
  }
  if (options.after !== undefined) {
    range.start = parseKeyArgument(`hex:${options.after}`, 'bytes', 'after (the "next" of the previous page)');
    range.exclusiveStart = true;
  }
  return range;
}

/** A scan page from the entries read with `scanRange`'s limit (one more than the page). */
export function scanPage(
  entries: { key: Uint8Array; value: Uint8Array }[],
  info: DatabaseInfo,
  limit: number,
): { entries: ScanEntry[]; next?: string } {
  const page = entries
    .slice(0, limit)
    .map(({ key, value }) => ({ key: show(key, info.keyCodec, true), value: show(value, info.valueCodec, false) }));
  const last = entries.length > limit ? entries[limit - 1] : undefined;
  return last ? { entries: page, next: toHex(last.key) } : { entries: page };
}

export function idHex(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

export function idBytesOf(id: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  const high = Number(id >> 32n);
  const low = Number(id & 0xffff_ffffn);
  for (let i = 0; i < 4; i++) {
    bytes[i] = (high >>> (24 - 8 * i)) & 0xff;
    bytes[4 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }
  return bytes;
}

/** The keys under `id` in a `_scoped` table: from the id on, up to the next id (the last id has no end). */
export function idBounds(id: bigint): { start: Uint8Array; end?: Uint8Array } {
  return id === 0xffff_ffff_ffff_ffffn ? { start: idBytesOf(id) } : { start: idBytesOf(id), end: idBytesOf(id + 1n) };
}

/** An id read from the first 8 bytes of a key (by hand: a DataView over lmdb-js's shared read buffer costs microseconds). */
export function idOf(key: Uint8Array, at = 0): bigint {
  const high =
    (((key[at] as number) << 24) | ((key[at + 1] as number) << 16) | ((key[at + 2] as number) << 8) | (key[at + 3] as number)) >>> 0;
  const low =
    (((key[at + 4] as number) << 24) | ((key[at + 5] as number) << 16) | ((key[at + 6] as number) << 8) | (key[at + 7] as number)) >>> 0;
  return (BigInt(high) << 32n) | BigInt(low);
}

export function labelOf(kind: ScopeKind, name: string | null, id: string | null): string {
  if (kind === 'default') return '(default)';
  if (kind === 'unnamed') return `(unnamed ${id})`;
  return name as string;
}

export function makeRow(kind: ScopeKind, name: string | null, id: string | null, databases: Record<string, Counts>): ScopeRow {
  let entries = 0;
  let bytes: number | null = 0;
  for (const counts of Object.values(databases)) {
    entries += counts.entries;
    bytes = bytes === null || counts.bytes === null ? null : bytes + counts.bytes;
  }
  return { kind, name, label: labelOf(kind, name, id), id, entries, bytes, databases };
}

export function unknownDatabase(name: string, known: readonly string[]): ScopedDbError {
  const list = known.length === 0 ? 'it has no scoped databases' : `its databases: ${known.join(', ')}`;
  return new ScopedDbError('INVALID_INPUT', `there is no scoped database ${JSON.stringify(name)} here (${list})`);
}

export function unknownScope(scope: string, db?: string): ScopedDbError {
  const where = db === undefined ? 'in any database' : `in database ${JSON.stringify(db)}`;
  return new ScopedDbError('INVALID_INPUT', `scope ${JSON.stringify(scope)} does not exist (not registered, no data ${where})`);
}

export function readOnlyRefusal(method: string): ScopedDbError {
  return new ScopedDbError('INVALID_INPUT', `${method}: the store was opened read-only; open it for writing to change it`);
}

export function transferResult(summary: DumpSummary): TransferResult {
  return { entries: summary.entries, databases: Object.keys(summary.databases), perDatabase: { ...summary.databases } };
}

/** A 16-hex id (as `ScopeRow.id` shows it) as a bigint. */
export function parseIdHex(id: string): bigint {
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) {
    throw new ScopedDbError('INVALID_INPUT', `${JSON.stringify(id)} is not a scope id (16 lowercase hex digits, as scopes lists them)`);
  }
  return BigInt(`0x${id}`);
}

export function noDataUnder(id: string): ScopedDbError {
  return new ScopedDbError('INVALID_INPUT', `no data under id ${id} (scopes lists the unnamed ids that hold data)`);
}

/**
 * A scan range over one id's keys in a `_scoped` table: `range` (over keys without the id, from
 * `scanRange`) with the 8-byte id in front of each bound; unbounded sides stop at the id's range.
 */
export function rangeUnderId(id: bigint, range: ByteRange): ByteRange {
  const { start: low, end: high } = idBounds(id);
  const under = (key: Uint8Array) => Uint8Array.of(...low, ...key);
  const out: ByteRange = { limit: range.limit, ...(range.reverse ? { reverse: true } : {}) };
  if (!range.reverse) {
    out.start = range.start ? under(range.start) : low;
    if (range.exclusiveStart) out.exclusiveStart = true;
    if (range.end) out.end = under(range.end);
    else if (high) out.end = high;
    if (range.end && range.inclusiveEnd) out.inclusiveEnd = true;
  } else {
    // Reversed, `start` is the high end: the id's range ends (exclusive) at id + 1.
    if (range.start) {
      out.start = under(range.start);
      if (range.exclusiveStart) out.exclusiveStart = true;
    } else if (high) {
      out.start = high;
      out.exclusiveStart = true;
    }
    out.end = range.end ? under(range.end) : low;
    if (range.end && range.inclusiveEnd) out.inclusiveEnd = true;
  }
  return out;
}
