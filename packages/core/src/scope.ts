import xxhash from 'xxhash-wasm';
import { describeValue, ScopedDbError } from './errors.js';

// Top-level await: importing core is all the set-up hashing needs.
const { h64 } = await xxhash();

/** `null` and `undefined` mean the default scope; a string is a scope name. */
export type ScopeLike = Scope | string | null | undefined;

/** A Scope that is not DEFAULT, as `scope.isNamed()` narrows it. */
export type NamedScope = Scope & { readonly name: string; readonly hash: bigint; readonly id: Uint8Array };

let idBytesOf: (scope: Scope) => Uint8Array | null;
let isOwnScope: (value: unknown) => value is Scope;

/**
 * Marks a Scope across copies of this package (npm may install two): `Scope.from` accepts a
 * Scope of another copy by its name. Symbol.for gives every copy the same key.
 */
const SCOPE_BRAND = Symbol.for('@scoped-lmdb/core/Scope');

/**
 * One isolated keyspace. Named scopes are identified on disk by xxh64 of the
 * UTF-8 name (seed 0) as 8 big-endian bytes, so ids sort like the unsigned hash.
 */
export class Scope {
  static readonly DEFAULT: Scope = new Scope(null);

  readonly name: string | null;
  readonly hash: bigint | null;
  readonly #id: Uint8Array | null;

  static {
    idBytesOf = (scope) => scope.#id;
    isOwnScope = (value): value is Scope => typeof value === 'object' && value !== null && #id in value;
  }

  /** Brand version 1: `name` is the scope's name, or null for DEFAULT. */
  get [SCOPE_BRAND](): 1 {
    return 1;
  }

  private constructor(name: string | null) {
    this.name = name;
    if (name === null) {
      this.hash = null;
      this.#id = null;
    } else {
      this.hash = h64(name, 0n);
      this.#id = new Uint8Array(8);
      new DataView(this.#id.buffer).setBigUint64(0, this.hash, false);
    }
    Object.freeze(this);
  }

  static named(name: string): Scope {
    if (typeof name !== 'string') {
      throw new ScopedDbError('INVALID_INPUT', `a scope name must be a string, got ${describeValue(name)}`);
    }
    if (name === '') {
      throw new ScopedDbError(
        'EMPTY_SCOPE_NAME',
        'the empty string is not a scope name; use Scope.DEFAULT (or null) for the default scope',
      );
    }
    const cached = namedCache.get(name);
    if (cached) return cached;
    // A lone surrogate has no UTF-8 form: two such names would hash alike.
    if (!name.isWellFormed()) {
      throw new ScopedDbError('INVALID_INPUT', 'a scope name must be well-formed UTF-16 (it contains a lone surrogate)');
    }
    const scope = new Scope(name);
    if (namedCache.size >= NAMED_CACHE_LIMIT) namedCache.clear();
    namedCache.set(name, scope);
    return scope;
  }

  static from(like: ScopeLike): Scope {
    if (isOwnScope(like)) return like;
    if (like === null || like === undefined) return Scope.DEFAULT;
    if (typeof like === 'string') return Scope.named(like);
    return fromOtherCopy(like);
  }

  get isDefault(): boolean {
    return this.name === null;
  }

  /** True for a named scope; narrows `name` and `hash` (no `!` or casts needed after it). */
  isNamed(): this is NamedScope {
    return this.name !== null;
  }

  /** The 8-byte big-endian id (a copy), or null for the default scope. */
  get id(): Uint8Array | null {
    return this.#id?.slice() ?? null;
  }

  equals(other: ScopeLike): boolean {
    return Scope.from(other).name === this.name;
  }

  toString(): string {
    return this.name ?? '(default)';
  }
}

/** A Scope made by another copy of this package: taken by its name. Anything else is refused. */
function fromOtherCopy(like: unknown): Scope {
  // Our own prototype without our private state is a forgery, not another copy's Scope.
  const branded =
    typeof like === 'object' && like !== null && !(like instanceof Scope) && (like as Record<symbol, unknown>)[SCOPE_BRAND] === 1;
  if (branded) {
    const name = (like as { name?: unknown }).name;
    if (name === null && (like as { isDefault?: unknown }).isDefault === true) return Scope.DEFAULT;
    if (typeof name === 'string' && name !== '') return Scope.named(name);
  }
  throw new ScopedDbError('INVALID_INPUT', `a scope must be a Scope, a string, null or undefined, got ${describeValue(like)}`);
}

/** The id without copying, for the key format. Not part of the public surface. */
export function scopeIdBytes(scope: Scope): Uint8Array | null {
  return idBytesOf(scope);
}

/** Hot paths pass the same few names again and again: hash each once. */
const NAMED_CACHE_LIMIT = 4096;
const namedCache = new Map<string, Scope>();

/** A scope for a message: a scope named "(default)" must not read like the default scope. */
export function describeScope(scope: Scope): string {
  return scope.isDefault ? 'the default scope' : `scope ${JSON.stringify(scope.name)}`;
}
