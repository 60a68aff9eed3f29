/**
 * Paging of scope listings without holding them all: candidates stream past once, and only the
 * best `limit + 1` by the page's order are kept (a sorted array of at most 10 001 rows), so a
 * listing of any number of scopes costs one pass and O(limit) memory. The cursor is the sort
 * key of a page's last row (keyset paging): the next page takes the rows after it, so pages
 * stay correct while other scopes come and go.
 */
import { ScopedDbError } from '@scoped-lmdb/core';
import type { ScopeKind, ScopeSort } from './service.js';

/** Rows per page unless told. */
export const DEFAULT_LIMIT = 100;
/** The most rows one page may ask for. */
export const MAX_LIMIT = 10_000;

/** What a row is sorted by: a count (for `entries`/`bytes`, largest first), then the kind, then the name or id. */
export type SortKey = readonly [count: number, group: number, text: string];

const GROUP: Record<ScopeKind, number> = { default: 0, named: 1, unnamed: 2 };

/** The sort key of a row: `count` is ignored for the `name` order. */
export function sortKey(sort: ScopeSort, kind: ScopeKind, text: string, count: number | null): SortKey {
  return [sort === 'name' ? 0 : -(count ?? -1), GROUP[kind], text];
}

/** A UTF-16 code unit moved so that comparing units orders by code point (= UTF-8 byte order, the registry's). */
const byCodePoint = (unit: number) => (unit >= 0xd800 ? (unit >= 0xe000 ? unit - 0x800 : unit + 0x2000) : unit);

/** Text in code point order: the order of the names' UTF-8 bytes, which is the registry's name index order. */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return byCodePoint(x) - byCodePoint(y);
  }
  return a.length - b.length;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] - b[1];
  return compareText(a[2], b[2]);
}

export function checkLimit(limit: number | undefined, what: string): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ScopedDbError('INVALID_INPUT', `${what}: limit must be a whole number from 1 to ${MAX_LIMIT}, got ${String(limit)}`);
  }
  return limit;
}

/** A wait in ms (undefined: none given); `what` names it in the error, e.g. "scopes: waitMs". */
export function checkWait(waitMs: number | undefined, what: string): number | undefined {
  if (waitMs === undefined) return undefined;
  if (typeof waitMs !== 'number' || !(waitMs >= 0) || waitMs === Number.POSITIVE_INFINITY) {
    throw new ScopedDbError('INVALID_INPUT', `${what} must be a number of milliseconds from 0 on, got ${String(waitMs)}`);
  }
  return waitMs;
}

export function checkSort(sort: unknown): ScopeSort {
  if (sort === undefined) return 'name';
  if (sort === 'name' || sort === 'entries' || sort === 'bytes') return sort;
  throw new ScopedDbError('INVALID_INPUT', `scopes: sort must be name, entries or bytes, got ${JSON.stringify(sort)}`);
}

export function encodeCursor(sort: ScopeSort, key: SortKey): string {
  return Buffer.from(JSON.stringify([sort, ...key])).toString('base64url');
}

export function decodeCursor(sort: ScopeSort, cursor: string | undefined): SortKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [s, count, group, text] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (s === sort && typeof count === 'number' && typeof group === 'number' && typeof text === 'string') return [count, group, text];
  } catch {
    // reported below
  }
  throw new ScopedDbError(
    'INVALID_INPUT',
    `scopes: "${cursor}" is not a cursor of a "${sort}" listing (pass the "next" of the previous page)`,
  );
}

/** Keeps the first `limit + 1` items by key after `after`, out of a stream seen once. */
export class TopRows<T> {
  readonly #rows: { key: SortKey; item: T }[] = [];
  readonly #keep: number;
  readonly #after: SortKey | undefined;

  constructor(limit: number, after: SortKey | undefined) {
    this.#keep = limit + 1;
    this.#after = after;
  }

  /** True when a row with this key could still make the page (callers skip costly work otherwise). */
  wants(key: SortKey): boolean {
    if (this.#after && compareKeys(key, this.#after) <= 0) return false;
    const last = this.#rows.at(-1);
    return this.#rows.length < this.#keep || (last !== undefined && compareKeys(key, last.key) < 0);
  }

  /**
   * False when no row whose key starts with `count` (the key's first part) could make the page:
   * a walk ordered by counts skips such rows before it reads their names.
   */
  wantsCount(count: number): boolean {
    if (this.#after && count < this.#after[0]) return false;
    const last = this.#rows.at(-1);
    return this.#rows.length < this.#keep || (last !== undefined && count <= last.key[0]);
  }

  offer(key: SortKey, item: T): void {
    if (!this.wants(key)) return;
    let low = 0;
    let high = this.#rows.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareKeys((this.#rows[mid] as { key: SortKey }).key, key) < 0) low = mid + 1;
      else high = mid;
    }
    this.#rows.splice(low, 0, { key, item });
    if (this.#rows.length > this.#keep) this.#rows.pop();
  }

  /** The page: its items, and the key of its last one when more rows follow. */
  page(): { items: { key: SortKey; item: T }[]; nextKey: SortKey | undefined } {
    const more = this.#rows.length === this.#keep;
    const items = more ? this.#rows.slice(0, -1) : this.#rows.slice();
    return { items, nextKey: more ? items.at(-1)?.key : undefined };
  }
}
