import xxhash from 'xxhash-wasm';
import { ScopedDbError } from './errors.js';

// Top-level await: importing core is all the set-up hashing needs.
const { h64 } = await xxhash();

/** `null` and `undefined` mean the default scope; a string is a scope name. */
export type ScopeLike = Scope | string | null | undefined;

let idBytesOf: (scope: Scope) => Uint8Array | null;

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
      throw new ScopedDbError('INVALID_INPUT', `a scope name must be a string, got ${describe(name)}`);
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
    if (like instanceof Scope) return like;
    if (like === null || like === undefined) return Scope.DEFAULT;
    if (typeof like === 'string') return Scope.named(like);
    throw new ScopedDbError('INVALID_INPUT', `a scope must be a Scope, a string, null or undefined, got ${describe(like)}`);
  }

  get isDefault(): boolean {
    return this.name === null;
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

/** The id without copying, for the key format. Not part of the public surface. */
export function scopeIdBytes(scope: Scope): Uint8Array | null {
  return idBytesOf(scope);
}

/** Hot paths pass the same few names again and again: hash each once. */
const NAMED_CACHE_LIMIT = 4096;
const namedCache = new Map<string, Scope>();

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : typeof value;
}
