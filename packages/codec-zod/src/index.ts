import { type Codec, codecs, ScopedDbError } from '@scoped-lmdb/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { z } from 'zod';

export interface SchemaCodecOptions {
  /** Turns the validated value into bytes (default `codecs.json()`). */
  inner?: Codec<unknown>;
  /** Also validate what is read (default false: what was written was already valid). */
  validateOnRead?: boolean;
}

type Validate<T> = (value: unknown, when: 'write' | 'read') => T;

/** Wraps `inner`: every value is validated before it is encoded, and what is stored is the parsed output. */
function schemaCodec<T, TIn>(kind: string, validate: Validate<T>, options: SchemaCodecOptions): Codec<T, TIn> {
  const inner = options.inner ?? codecs.json();
  const validateOnRead = options.validateOnRead === true;
  return {
    name: `${kind}(${inner.name})`,
    encode: (value) => inner.encode(validate(value, 'write')),
    decode(bytes) {
      const value = inner.decode(bytes);
      return validateOnRead ? validate(value, 'read') : (value as T);
    },
  };
}

function validationError(kind: string, when: 'write' | 'read', issues: readonly unknown[], cause?: unknown): ScopedDbError {
  const first = issues[0] as { message?: string; path?: readonly unknown[] } | undefined;
  const where = first?.path?.length ? ` at ${first.path.map((p) => String((p as { key?: unknown })?.key ?? p)).join('.')}` : '';
  const detail = first?.message ? `: ${first.message}${where}` : '';
  const message = `${kind} validation failed on ${when}${detail} (${issues.length} issue${issues.length === 1 ? '' : 's'})`;
  return new ScopedDbError('VALIDATION', message, cause === undefined ? { issues } : { issues, cause });
}

function asyncValidatorError(kind: string, cause?: unknown): ScopedDbError {
  return new ScopedDbError(
    'INVALID_INPUT',
    `the ${kind} schema validates asynchronously; LMDB writes are synchronous, so use a schema without async checks`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * A codec that validates every value with a zod schema before encoding it: `Codec<output, input>`,
 * so a field with a default may be left out on write and reads give the output type.
 * Invalid values throw `VALIDATION` (zod's issues on `error.issues`) and nothing is
 * written; the stored value is the schema's output (defaults filled, unknown keys
 * stripped as the schema says).
 */
export function zodCodec<S extends z.ZodType>(schema: S, options: SchemaCodecOptions = {}): Codec<z.output<S>, z.input<S>> {
  if (typeof (schema as { safeParse?: unknown })?.safeParse !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', 'zodCodec needs a zod schema');
  }
  return schemaCodec<z.output<S>, z.input<S>>(
    'zod',
    (value, when) => {
      let result: ReturnType<S['safeParse']>;
      try {
        result = schema.safeParse(value) as ReturnType<S['safeParse']>;
      } catch (error) {
        // zod throws its $ZodAsyncError when a refinement or transform returns a Promise inside a
        // sync parse; anything else a schema throws (a refinement that throws) is a failed validation.
        if ((error as { constructor?: { name?: unknown } } | null)?.constructor?.name === '$ZodAsyncError') {
          throw asyncValidatorError('zod', error);
        }
        throw validationError('zod', when, [], error);
      }
      if (!result.success) throw validationError('zod', when, result.error.issues, result.error);
      return result.data as z.output<S>;
    },
    options,
  );
}

/** The same for any Standard Schema v1 validator (valibot, arktype, zod, …). */
export function standardSchemaCodec<S extends StandardSchemaV1>(
  schema: S,
  options: SchemaCodecOptions = {},
): Codec<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>> {
  const standard = (schema as Partial<StandardSchemaV1>)?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', 'standardSchemaCodec needs a Standard Schema v1 validator (with a "~standard" property)');
  }
  const kind = 'standard';
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
        throw new ScopedDbError('INVALID_INPUT', `the ${kind} validator returned ${String(outcome)}, not a Standard Schema result`);
      }
      const result = outcome as StandardSchemaV1.Result<unknown>;
      if (result.issues) throw validationError(kind, when, result.issues);
      return result.value as StandardSchemaV1.InferOutput<S>;
    },
    options,
  );
}
