import xxhash from 'xxhash-wasm';
import { describeValue, ScopedDbError } from './errors.js';

// Top-level await: importing core is all the set-up hashing needs.
const { h64 } = await xxhash();

/** `null` and `undefined` mean the default scope; a string is a scope name. */
export type ScopeLike = Scope | string | null | undefined;

/**
 * One isolated keyspace. Named scopes are identified on disk by xxh64 of the UTF-8 name
 * (seed 0) as 8 big-endian bytes, so ids sort like the unsigned hash.
 *
 * Declared as an interface (the class is not exported), so a Scope of another installed copy
 * of this package has the same type: TypeScript compares classes with private state nominally.
 */
export interface Scope {
  /** True for DEFAULT. */
  readonly isDefault: boolean;
  /** The name; null for DEFAULT. */
  readonly name: string | null;
  /** xxh64(UTF-8(name), seed 0), unsigned; null for DEFAULT. */
  readonly hash: bigint | null;
  /** `hash` as 8 bytes big-endian (a copy); null for DEFAULT. */
  readonly id: Uint8Array | null;
  /** True for a named scope; narrows `name`, `hash` and `id` (no `!` or casts needed after it). */
  isNamed(): this is NamedScope;
  /** True when `other` is the same scope. */
  equals(other: ScopeLike): boolean;
  /** The name, or "(default)". */
  toString(): string;
}

/** `Scope` as a value: the default scope and the two ways to get a scope. */
export interface ScopeConstructor {
  /** The default scope (its own table per database). */
  readonly DEFAULT: Scope;
  /** A named scope: `''` is `EMPTY_SCOPE_NAME`; a non-string or malformed UTF-16 is `INVALID_INPUT`. */
  named(name: string): Scope;
  /** A string -> `named`, null/undefined -> DEFAULT, a Scope (of any copy of this package) -> that scope. */
  from(like: ScopeLike): Scope;
  /** Every scope's prototype (for `Object.create` forgeries in tests, say; they are refused). */
  readonly prototype: Scope;
  /** `instanceof Scope` works for this copy's scopes. */
  [Symbol.hasInstance](value: unknown): value is Scope;
}

/** A Scope that is not DEFAULT, as `scope.isNamed()` narrows it. */
export type NamedScope = Scope & {
  /** The name. */
  readonly name: string;
  /** xxh64(UTF-8(name), seed 0), unsigned. */
  readonly hash: bigint;
  /** `hash` as 8 bytes big-endian (a copy). */
  readonly id: Uint8Array;
};

let idBytesOf: (scope: ScopeClass) => Uint8Array | null;
let isOwnScope: (value: unknown) => value is ScopeClass;

/**
 * Marks a Scope across copies of this package (npm may install two): `Scope.from` accepts a
 * Scope of another copy by its name. Symbol.for gives every copy the same key.
 */
const SCOPE_BRAND = Symbol.for('@scoped-lmdb/core/Scope');

class ScopeClass implements Scope {
  static readonly DEFAULT: ScopeClass = new ScopeClass(null);

  readonly name: string | null;
  readonly hash: bigint | null;
  readonly #id: Uint8Array | null;

  static {
    idBytesOf = (scope) => scope.#id;
    isOwnScope = (value): value is ScopeClass => typeof value === 'object' && value !== null && #id in value;
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

  static named(name: string): ScopeClass {
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
    const scope = new ScopeClass(name);
    if (namedCache.size >= NAMED_CACHE_LIMIT) namedCache.clear();
    namedCache.set(name, scope);
    return scope;
  }

  static from(like: ScopeLike): ScopeClass {
    if (isOwnScope(like)) return like;
    if (like === null || like === undefined) return ScopeClass.DEFAULT;
    if (typeof like === 'string') return ScopeClass.named(like);
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
    return ScopeClass.from(other).name === this.name;
  }

  toString(): string {
    return this.name ?? '(default)';
  }
}

// Brand version 1 (`name` is the scope's name, or null for DEFAULT), on the prototype and out of
// the declared type, which must stay the same in every copy of the package.
Object.defineProperty(ScopeClass.prototype, SCOPE_BRAND, { get: () => 1 });

/** `Scope.DEFAULT`, `Scope.named(name)` and `Scope.from(like)`: see `ScopeConstructor`. */
export const Scope: ScopeConstructor = ScopeClass as unknown as ScopeConstructor;

/** A Scope made by another copy of this package: taken by its name. Anything else is refused. */
function fromOtherCopy(like: unknown): ScopeClass {
  // Our own prototype without our private state is a forgery, not another copy's Scope.
  const branded =
    typeof like === 'object' && like !== null && !(like instanceof ScopeClass) && (like as Record<symbol, unknown>)[SCOPE_BRAND] === 1;
  if (branded) {
    const name = (like as { name?: unknown }).name;
    if (name === null && (like as { isDefault?: unknown }).isDefault === true) return ScopeClass.DEFAULT;
    if (typeof name === 'string' && name !== '') return ScopeClass.named(name);
  }
  throw new ScopedDbError('INVALID_INPUT', `a scope must be a Scope, a string, null or undefined, got ${describeValue(like)}`);
}

/** The id without copying, for the key format. Not part of the public surface. */
export function scopeIdBytes(scope: Scope): Uint8Array | null {
  return idBytesOf(scope as ScopeClass);
}

/** Hot paths pass the same few names again and again: hash each once. */
const NAMED_CACHE_LIMIT = 4096;
const namedCache = new Map<string, ScopeClass>();

/** A scope for a message: a scope named "(default)" must not read like the default scope. */
export function describeScope(scope: Scope): string {
  return scope.isDefault ? 'the default scope' : `scope ${JSON.stringify(scope.name)}`;
}
