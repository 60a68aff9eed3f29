import { type Codec, codecs, ScopedDbError } from '@scoped-lmdb/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
// zod's advice to libraries: type against and parse with `zod/v4/core`, which zod 4 (classic and
// mini) and zod 3.25+ (through `zod/v4`) share, so the user brings whichever zod they have.
import { type $ZodType, type input, type output, safeParse } from 'zod/v4/core';
import { type Problem, type Storage, storageFor } from './storable.js';
import { isZod4Schema, plan, type ValueCheck } from './walk.js';

/** Options of `zodCodec` and `standardSchemaCodec`. */
export interface SchemaCodecOptions {
  /** Turns the validated value into bytes (default `codecs.json()`). */
  inner?: Codec<unknown>;
  /**
   * Also validate what is read (default false: what was written was already valid). It parses
   * the stored output with the schema again, so a zod schema that transforms its input is refused.
   */
  validateOnRead?: boolean;
}

type Kind = 'zodCodec' | 'standardSchemaCodec';
type Validate<T> = (value: unknown, when: 'write' | 'read') => T;

/** `field "events[].at"`, or `the value` for the value itself. */
const where = (problem: Problem) => (problem.path === '' ? 'the value' : `field "${problem.path}"`);

/**
 * Wraps `inner`: every value is validated before it is encoded, and what is stored is the parsed output.
 * `check` (when the schema has parts whose output only the value tells) runs on that output.
 */
function schemaCodec<T, TIn>(
  kind: Kind,
  validate: Validate<T>,
  inner: Codec<unknown>,
  check: ValueCheck | undefined,
  validateOnRead: boolean,
): Codec<T, TIn> {
  const name = `${kind === 'zodCodec' ? 'zod' : 'standard'}(${inner.name})`;
  return {
    name,
    encode(value) {
      const parsed = validate(value, 'write');
      const problem = check?.(parsed, []);
      if (problem) {
        throw new ScopedDbError('ENCODING', `${kind}: ${where(problem)} holds ${problem.what}, ${problem.why}; ${problem.hint}`);
      }
      return inner.encode(parsed);
    },
    decode(bytes) {
      // msgpackr and cbor-x return binary data as a Buffer when they decode from a Buffer and as a
      // plain Uint8Array otherwise (what a database hands out): a plain view gives the same result either way.
      const value = inner.decode(Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);
      return validateOnRead ? validate(value, 'read') : (value as T);
    },
  };
}

/**
 * What a schema codec reads back must equal what it validated. For a zod 4 schema the walk
 * over its definition refuses, here, any output the inner codec would not read back as it is,
 * and returns the per-write check of the parts only their values tell. For any other validator
 * (which cannot be walked), every value is checked against a known inner codec on write.
 */
function storageCheck(kind: Kind, schema: unknown, inner: Codec<unknown>, validateOnRead: boolean): ValueCheck | undefined {
  // An inner codec we do not know by name is trusted: round-tripping is its job.
  const storage = storageFor(inner.name);
  if (!isZod4Schema(schema)) return storage ? (value, path) => storage.check(value, path, 'root') : undefined;
  if (!storage && !validateOnRead) return undefined;
  const found = plan(schema, storage ?? TRUSTED);
  if (found.problem) {
    const { problem } = found;
    const what = problem.what === 'undefined' ? 'may output undefined' : `outputs ${problem.what}`;
    throw new ScopedDbError('INVALID_INPUT', `${kind}: ${where(problem)} ${what}, ${problem.why}; ${problem.hint}`);
  }
  if (validateOnRead && found.transform !== undefined) {
    const at = found.transform === '' ? 'the schema' : `field "${found.transform}"`;
    throw new ScopedDbError(
      'INVALID_INPUT',
      `${kind}: validateOnRead parses what is read with the schema again, but ${at} transforms its input ` +
        '(.transform(), .pipe(), z.preprocess() or a zod codec), so its stored output need not parse; drop validateOnRead for this schema',
    );
  }
  return storage ? found.check : undefined;
}

/** Stands for an inner codec we do not know: it stores everything (the walk then only looks for transforms). */
const TRUSTED: Storage = { name: 'trusted', storesAnyBigint: true, check: () => undefined };

function validationError(kind: Kind, when: 'write' | 'read', issues: readonly unknown[], cause?: unknown): ScopedDbError {
  const first = issues[0] as { message?: string; path?: readonly unknown[] } | undefined;
  const at = first?.path?.length ? ` at ${first.path.map((p) => String((p as { key?: unknown })?.key ?? p)).join('.')}` : '';
  const detail = first?.message ? `: ${first.message}${at}` : '';
  const label = kind === 'zodCodec' ? 'zod' : 'standard';
  const message = `${label} validation failed on ${when}${detail} (${issues.length} issue${issues.length === 1 ? '' : 's'})`;
  return new ScopedDbError('VALIDATION', message, cause === undefined ? { issues } : { issues, cause });
}

function asyncValidatorError(kind: Kind, cause?: unknown): ScopedDbError {
  return new ScopedDbError(
    'INVALID_INPUT',
    `the ${kind === 'zodCodec' ? 'zod' : 'standard'} schema validates asynchronously; LMDB writes are synchronous, so use a schema without async checks`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * A codec that validates every value with a zod schema before encoding it: `Codec<output, input>`,
 * so a field with a default may be left out on write and reads give the output type.
 * Invalid values throw `VALIDATION` (zod's issues on `error.issues`) and nothing is
 * written; the stored value is the schema's output (defaults filled, unknown keys
 * stripped as the schema says). Takes zod 4 schemas (classic or mini) and zod 3.25+
 * schemas built with `zod/v4`; a zod 3 classic schema goes through `standardSchemaCodec`.
 */
export function zodCodec<S extends $ZodType>(schema: S, options: SchemaCodecOptions = {}): Codec<output<S>, input<S>> {
  if (!isZod4Schema(schema)) {
    const zod3 = typeof (schema as { safeParse?: unknown } | null)?.safeParse === 'function' && '_def' in (schema as object);
    throw new ScopedDbError(
      'INVALID_INPUT',
      zod3
        ? "zodCodec: this is a zod 3 schema (import { z } from 'zod' on zod 3.x), not a zod 4 one: pass it to standardSchemaCodec " +
            "(zod >= 3.24 implements Standard Schema), or build it with import { z } from 'zod/v4' (zod >= 3.25)"
        : 'zodCodec needs a zod 4 schema (zod 4, zod/mini, or zod/v4 of zod 3.25+)',
    );
  }
  const inner = options.inner ?? codecs.json();
  const validateOnRead = options.validateOnRead === true;
  const check = storageCheck('zodCodec', schema, inner, validateOnRead);
  return schemaCodec<output<S>, input<S>>(
    'zodCodec',
    (value, when) => {
      let result: ReturnType<typeof safeParse<S>>;
      try {
        result = safeParse(schema, value);
      } catch (error) {
        // zod throws its $ZodAsyncError when a refinement or transform returns a Promise inside a
        // sync parse; anything else a schema throws (a refinement that throws) is a failed validation.
        // By name: the schema may come from another copy of zod than the one imported here.
        if ((error as { constructor?: { name?: unknown } } | null)?.constructor?.name === '$ZodAsyncError') {
          throw asyncValidatorError('zodCodec', error);
        }
        throw validationError('zodCodec', when, [], error);
      }
      if (!result.success) throw validationError('zodCodec', when, result.error.issues, result.error);
      return result.data;
    },
    inner,
    check,
    validateOnRead,
  );
}

/**
 * The same for any Standard Schema v1 validator (valibot, arktype, zod 3, …). A zod 4 schema is
 * walked like `zodCodec` does; any other validator is opaque, so with a known inner codec each
 * parsed value is checked on write for what that codec would not read back as it is.
 */
export function standardSchemaCodec<S extends StandardSchemaV1>(
  schema: S,
  options: SchemaCodecOptions = {},
): Codec<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>> {
  const standard = (schema as Partial<StandardSchemaV1>)?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', 'standardSchemaCodec needs a Standard Schema v1 validator (with a "~standard" property)');
  }
  const kind = 'standardSchemaCodec';
  const inner = options.inner ?? codecs.json();
  const validateOnRead = options.validateOnRead === true;
  const check = storageCheck(kind, schema, inner, validateOnRead);
  return schemaCodec<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>>(
    kind,
    (value, when) => {
      let outcome: ReturnType<typeof standard.validate>;
      try {
        outcome = standard.validate(value);
      } catch (error) {
        throw validationError(kind, when, [], error);
      }
      // A Promise or any other thenable: LMDB writes cannot wait for it.
      if (typeof (outcome as { then?: unknown } | null)?.then === 'function') {
        try {
          (outcome as PromiseLike<unknown>).then(undefined, () => {}); // never awaited: keep its failure from going unhandled
        } catch {
          // a thenable that throws from then() has nothing to leave unhandled
        }
        throw asyncValidatorError(kind);
      }
      if (outcome === null || typeof outcome !== 'object') {
        throw new ScopedDbError('INVALID_INPUT', `the standard validator returned ${String(outcome)}, not a Standard Schema result`);
      }
      const result = outcome as StandardSchemaV1.Result<unknown>;
      if (result.issues) throw validationError(kind, when, result.issues);
      return result.value as StandardSchemaV1.InferOutput<S>;
    },
    inner,
    check,
    validateOnRead,
  );
}
