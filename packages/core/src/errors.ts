/** Stable error codes: match on `error.code`, never on the message. */
export type ScopedDbErrorCode =
  | 'EMPTY_SCOPE_NAME'
  | 'INVALID_INPUT'
  | 'ENCODING'
  | 'VALIDATION'
  | 'HASH_COLLISION'
  | 'KEY_TOO_LARGE'
  | 'CODEC_MISMATCH'
  | 'STORAGE';

export interface ScopedDbErrorOptions {
  cause?: unknown;
  issues?: readonly unknown[];
}

/** Marks our errors across copies of this package (npm may install two): Symbol.for gives every copy the same key. */
const ERROR_BRAND = Symbol.for('@scoped-lmdb/core/ScopedDbError');

/**
 * Every failure the library detects. `cause` holds the codec, schema or LMDB error underneath.
 * `instanceof ScopedDbError` and `isScopedDbError` also recognise errors of another copy of this package.
 */
export class ScopedDbError extends Error {
  override readonly name = 'ScopedDbError';
  readonly code: ScopedDbErrorCode;
  declare readonly cause?: unknown;
  readonly issues?: readonly unknown[];

  constructor(code: ScopedDbErrorCode, message: string, options: ScopedDbErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    if (options.issues !== undefined) this.issues = options.issues;
  }

  get [ERROR_BRAND](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ERROR_BRAND] === true;
  }
}

export function isScopedDbError(error: unknown, code?: ScopedDbErrorCode): error is ScopedDbError {
  return error instanceof ScopedDbError && (code === undefined || error.code === code);
}

/** Passes our own errors through; anything else becomes `code` with the original as `cause`. */
export function wrapError(error: unknown, code: ScopedDbErrorCode, context: string): ScopedDbError {
  if (error instanceof ScopedDbError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ScopedDbError(code, `${context}: ${detail}`, { cause: error });
}

/** Runs an LMDB call, reporting its failures as `STORAGE`. */
export function storage<T>(context: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw wrapError(error, 'STORAGE', context);
  }
}
