/** Stable error codes: match on `error.code`, never on the message. */
export type ScopedDbErrorCode =
  | 'EMPTY_SCOPE_NAME'
  | 'INVALID_INPUT'
  | 'ENCODING'
  | 'VALIDATION'
  | 'HASH_COLLISION'
  | 'KEY_TOO_LARGE'
  | 'CODEC_MISMATCH'
  | 'STORAGE'
  /** A lifecycle target (rename, copy) is registered or holds data, and `replace` was not given. */
  | 'SCOPE_EXISTS'
  /** A write would take a scope over its quota. */
  | 'QUOTA_EXCEEDED';

/** What a `ScopedDbError` carries besides its code and message. */
export interface ScopedDbErrorOptions {
  /** The codec, schema or LMDB error underneath. */
  cause?: unknown;
  /** A schema's validation issues (`VALIDATION`), as the validator reported them. */
  issues?: readonly unknown[];
}

/** Marks our errors across copies of this package (npm may install two): Symbol.for gives every copy the same key. */
const ERROR_BRAND = Symbol.for('@scoped-lmdb/core/ScopedDbError');

/**
 * Every failure the library detects. `cause` holds the codec, schema or LMDB error underneath.
 * `instanceof ScopedDbError` and `isScopedDbError` also recognise errors of another copy of this package.
 */
export class ScopedDbError extends Error {
  /** Always `'ScopedDbError'`, in every copy of the package. */
  override readonly name = 'ScopedDbError';
  /** What went wrong, stable across versions: match on it. */
  readonly code: ScopedDbErrorCode;
  /** The codec, schema or LMDB error underneath, when there is one. */
  declare readonly cause?: unknown;
  /** Declared, not initialised: an error without issues has no `issues` property at all. */
  declare readonly issues?: readonly unknown[];

  constructor(code: ScopedDbErrorCode, message: string, options: ScopedDbErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    if (options.issues !== undefined) (this as { issues?: readonly unknown[] }).issues = options.issues;
  }

  /** Recognises errors of every copy of this package by their brand, not their class. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ERROR_BRAND] === true;
  }
}

// On the prototype and out of the declared type, which must stay the same in every copy of the package.
Object.defineProperty(ScopedDbError.prototype, ERROR_BRAND, { get: () => true });

/** True for a `ScopedDbError` of any copy of this package (with `code`: of that code). */
export function isScopedDbError(error: unknown, code?: ScopedDbErrorCode): error is ScopedDbError {
  return error instanceof ScopedDbError && (code === undefined || error.code === code);
}

/** Passes our own errors through; anything else becomes `code` with the original as `cause`. */
export function wrapError(error: unknown, code: ScopedDbErrorCode, context: string): ScopedDbError {
  if (error instanceof ScopedDbError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ScopedDbError(code, `${context}: ${detail}`, { cause: error });
}

/** The same failure with `context` (which database, scope and key) in front of its message; code and issues kept. */
export function withContext(error: unknown, code: ScopedDbErrorCode, context: string): ScopedDbError {
  if (!(error instanceof ScopedDbError)) return wrapError(error, code, context);
  const options: ScopedDbErrorOptions = { cause: error.cause ?? error };
  if (error.issues !== undefined) options.issues = error.issues;
  return new ScopedDbError(error.code, `${context}: ${error.message}`, options);
}

const printableUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A key for a message: its text when it is printable UTF-8, else hex; long keys are cut. */
export function printableKey(bytes: Uint8Array): string {
  try {
    const text = printableUtf8.decode(bytes);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what makes a key unprintable
    if (!/[\u0000-\u001f\u007f]/.test(text)) return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  } catch {
    // not UTF-8: hex below
  }
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 40)).toString('hex');
  return `0x${hex}${bytes.length > 40 ? '…' : ''}`;
}

/** Runs an LMDB call, reporting its failures as `STORAGE`. */
export function storage<T>(context: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw wrapError(error, 'STORAGE', context);
  }
}

/** A value's kind for a message (what a check got instead). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? `an object (${(value as object).constructor?.name ?? 'Object'})` : typeof value;
}
