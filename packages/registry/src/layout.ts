/**
 * The registry table `__global_scope_metadata`, the only module that knows its keys.
 *
 *   id (8 bytes)               -> UTF-8 name   id -> name (the v1 record; every v1 file is valid as it is)
 *   FF×8 'n' ‖ UTF-8 name      -> id           name -> id (written since v2; a v1 name has none and
 *                                              maps to xxh64(name) when that id's record holds it)
 *   FF×8 'd' ‖ id              -> JSON         a dropped id: its entries wait for reclaim
 *   FF×8 'r' ‖ id              -> JSON         an id reserved by a copy in progress ({ pid })
 *   FF×8 'g'                   -> 8 bytes      the mapping generation, bumped by every drop,
 *                                              rename, swap and finished copy
 *   FF×8 'q' ‖ id              -> JSON         the scope's quota ({ maxEntries?, maxBytes? })
 *
 * Every key but an id's is longer than 8 bytes and starts with FF×8, so the ids are exactly
 * the keys of 8 bytes, and they all sort before the rest. Room is left for per-scope records
 * keyed by id (stats, quotas): they move with the id on a rename or swap.
 */
import { Scope } from '@scoped-lmdb/core';

const META = new Uint8Array(8).fill(0xff);
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function metaKey(tag: string, rest: Uint8Array = new Uint8Array(0)): Uint8Array {
  const key = new Uint8Array(META.length + 1 + rest.length);
  key.set(META, 0);
  key[META.length] = tag.charCodeAt(0);
  key.set(rest, META.length + 1);
  return key;
}

export const ID_BYTES = 8;

/** The key of `name`'s name -> id record. */
export const nameKey = (name: string): Uint8Array => metaKey('n', utf8.encode(name));
/** The key of a dropped id's tombstone. */
export const tombstoneKey = (id: Uint8Array): Uint8Array => metaKey('d', id);
/** The key of an id reserved by a copy. */
export const reservationKey = (id: Uint8Array): Uint8Array => metaKey('r', id);
/** The key of the quota of the scope stored under `id`. */
export const quotaKey = (id: Uint8Array): Uint8Array => metaKey('q', id);
export const QUOTAS = { start: metaKey('q'), end: metaKey('r') };
/** The key of the mapping generation. */
export const GENERATION_KEY = metaKey('g');

/** Where the id -> name records end (exclusive): every id key sorts before it. */
export const ID_RECORDS_END = metaKey('\0');
/** The range of all tombstones, and of all reservations. */
export const TOMBSTONES = { start: metaKey('d'), end: metaKey('e') };
export const RESERVATIONS = { start: metaKey('r'), end: metaKey('s') };

/** The id inside a tombstone's or a reservation's key. */
export const idOfMetaKey = (key: Uint8Array): Uint8Array => key.slice(META.length + 1);

export function encodeName(name: string): Uint8Array {
  return utf8.encode(name);
}

/** A stored name, or undefined when it is not valid UTF-8 (not written by this library). */
export function decodeName(bytes: Uint8Array): string | undefined {
  try {
    const name = strictUtf8.decode(bytes);
    return name !== '' && name.isWellFormed() ? name : undefined;
  } catch {
    return undefined;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A name's first-life id: xxh64 of its UTF-8 bytes. */
export function firstLifeIdOf(name: string): Uint8Array {
  return Scope.named(name).id as Uint8Array;
}

export function hashOf(id: Uint8Array): bigint {
  return new DataView(id.buffer, id.byteOffset, ID_BYTES).getBigUint64(0, false);
}

export function generationValue(bytes: Uint8Array | undefined): bigint {
  return bytes === undefined || bytes.length !== 8 ? 0n : hashOf(bytes);
}

export function generationBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value & 0xffff_ffff_ffff_ffffn, false);
  return bytes;
}
