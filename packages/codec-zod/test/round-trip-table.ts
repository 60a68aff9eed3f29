// Every output type zod has × the three inner codecs this package knows, run for zod 4 and for
// zod 3.25's `zod/v4` (test/zod4.test.ts, test/zod3.test.ts). Each cell either round-trips
// (decode(encode(x)) equals the parsed value, prototypes included, also through a database
// with validateOnRead), or is refused: at construction (INVALID_INPUT naming the field) when the
// schema tells, on write (ENCODING naming the field) when only the value does.
import { cbor } from '@scoped-lmdb/codec-cbor';
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { type Codec, codecs, isScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import type { z as zod4 } from 'zod';
import { type $ZodType, parse } from 'zod/v4/core';
import { zodCodec } from '../src/index.js';
import { tempEnv, type Z } from './helpers.js';
import { sameValue } from './same-value.js';

/** `ok`: round-trips; `refused`: INVALID_INPUT at construction; `write`: ENCODING when the value is written. */
type Outcome = 'ok' | 'refused' | 'write';
export type InnerName = 'json' | 'msgpack' | 'cbor';

interface Row {
  /** The field's schema, or undefined where this zod has no such thing. */
  schema: (z: Z) => $ZodType | undefined;
  /** What is written (input), made afresh for every use. */
  input: () => unknown;
  json: Outcome;
  msgpack: Outcome;
  cbor: Outcome;
  /** Where under the field the refusal points (`[]`, `.at`), when not at the field itself; per codec where they differ. */
  at?: string | Partial<Record<InnerName, string>>;
  /** Where under the field a write refusal points, when it differs from `at`. */
  writeAt?: string;
  /** The schema transforms its input: validateOnRead is refused for it. */
  transforms?: boolean;
  /** Where zod 3.25's zod/v4 differs: it lets a key that accepts undefined be missing (zod 4 does not). */
  onZod3?: Partial<Record<InnerName, Outcome>>;
}

class Point {
  constructor(readonly x: number) {}
}

const ok = { json: 'ok', msgpack: 'ok', cbor: 'ok' } as const;
const richOnly = { json: 'refused', msgpack: 'ok', cbor: 'ok' } as const;
const cborOnly = { json: 'refused', msgpack: 'refused', cbor: 'ok' } as const;
const none = { json: 'refused', msgpack: 'refused', cbor: 'refused' } as const;

/** Recursive schemas: plain ones, one with a Date, one whose dynamic part sits below the recursion. */
function trees(z: Z) {
  type Tree = { name: string; children: Tree[] };
  const Tree: zod4.ZodType<Tree> = z.object({ name: z.string(), children: z.array(z.lazy(() => Tree)) });
  const Dated = z.object({
    at: z.date(),
    get children() {
      return z.array(Dated);
    },
  });
  type Loose = { meta: unknown; kids: Loose[] };
  const Loose: zod4.ZodType<Loose> = z.object({ meta: z.unknown(), kids: z.array(z.lazy(() => Loose)) });
  return { Tree, Dated, Loose };
}

export const rows: Record<string, Row> = {
  string: { schema: (z) => z.string(), input: () => 'plain 租户 🙂', ...ok },
  number: { schema: (z) => z.number(), input: () => 1.5, ...ok },
  int: { schema: (z) => z.int(), input: () => 42, ...ok },
  boolean: { schema: (z) => z.boolean(), input: () => true, ...ok },
  null: { schema: (z) => z.null(), input: () => null, ...ok },
  enum: { schema: (z) => z.enum(['a', 'b']), input: () => 'b', ...ok },
  'string literal': { schema: (z) => z.literal('a'), input: () => 'a', ...ok },
  'bigint literal': { schema: (z) => z.literal(5n), input: () => 5n, ...richOnly },
  'template literal': { schema: (z) => z.templateLiteral(['id-', z.number()]), input: () => 'id-7', ...ok },
  date: { schema: (z) => z.date(), input: () => new Date('2026-11-24T12:00:00.123Z'), ...richOnly },
  'coerced date': { schema: (z) => z.coerce.date(), input: () => '2026-01-02T03:04:05.000Z', ...richOnly },
  bigint: { schema: (z) => z.bigint(), input: () => 12n, ...richOnly },
  'bigint beyond 64 bits': { schema: (z) => z.bigint(), input: () => 2n ** 70n, json: 'refused', msgpack: 'write', cbor: 'ok' },
  int64: { schema: (z) => z.int64(), input: () => -(2n ** 63n), ...richOnly },
  nan: { schema: (z) => z.nan(), input: () => Number.NaN, ...richOnly },
  'Map of numbers': { schema: (z) => z.map(z.string(), z.number()), input: () => new Map([['a', 1]]), ...richOnly },
  'Map of Dates by number': { schema: (z) => z.map(z.number(), z.date()), input: () => new Map([[1, new Date(1)]]), ...richOnly },
  // JSON refuses the Map itself, msgpack the Set inside.
  'Map of Sets': {
    schema: (z) => z.map(z.string(), z.set(z.number())),
    input: () => new Map([['a', new Set([1])]]),
    ...cborOnly,
    at: { msgpack: '.values()[]' },
  },
  Set: { schema: (z) => z.set(z.string()), input: () => new Set(['a', 'b']), ...cborOnly },
  'Set of Dates': { schema: (z) => z.set(z.date()), input: () => new Set([new Date(2)]), ...cborOnly },
  'record of Dates': { schema: (z) => z.record(z.string(), z.date()), input: () => ({ a: new Date(3) }), ...richOnly, at: '[*]' },
  'record of numbers': { schema: (z) => z.record(z.string(), z.number()), input: () => ({ a: 1, b: 2 }), ...ok },
  'array of optional strings': { schema: (z) => z.array(z.string().optional()), input: () => ['a', undefined], ...richOnly, at: '[]' },
  'array of undefined': { schema: (z) => z.array(z.undefined()), input: () => [undefined], ...richOnly, at: '[]' },
  'tuple with an optional item': {
    schema: (z) => z.tuple([z.string(), z.number().optional()]),
    input: () => ['a', undefined],
    ...richOnly,
    at: '[1]',
  },
  'tuple with a Date rest': { schema: (z) => z.tuple([z.string()], z.date()), input: () => ['a', new Date(4)], ...richOnly, at: '[]' },
  'optional field': { schema: (z) => z.string().optional(), input: () => undefined, ...ok },
  // zod 4 requires the key of a field that accepts undefined but is not .optional(); JSON would drop it.
  // zod 3.25's zod/v4 marks z.undefined() keys optional (its `optout`), and z.void()/z.unknown() not.
  'void field': { schema: (z) => z.void(), input: () => undefined, ...richOnly },
  'undefined field': { schema: (z) => z.undefined(), input: () => undefined, ...richOnly, onZod3: { json: 'ok' } },
  'union with undefined field': {
    schema: (z) => z.union([z.string(), z.undefined()]),
    input: () => undefined,
    ...richOnly,
    onZod3: { json: 'ok' },
  },
  'unknown field holding undefined': {
    schema: (z) => z.unknown(),
    input: () => undefined,
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
  },
  'optional Date': { schema: (z) => z.date().optional(), input: () => new Date(5), ...richOnly },
  nullable: { schema: (z) => z.string().nullable(), input: () => null, ...ok },
  'default string': { schema: (z) => z.string().default('d'), input: () => undefined, ...ok },
  'default Date': { schema: (z) => z.date().default(() => new Date(0)), input: () => undefined, ...richOnly },
  'array of defaulted optionals': { schema: (z) => z.array(z.string().optional().default('d')), input: () => ['a', undefined], ...ok },
  'array of nonoptional optionals': { schema: (z) => z.array(z.string().optional().nonoptional()), input: () => ['a'], ...ok },
  prefault: { schema: (z) => z.string().prefault('p'), input: () => undefined, ...ok },
  'catch Date': { schema: (z) => z.date().catch(() => new Date(0)), input: () => 'not a date', ...richOnly },
  'readonly object with a Date': {
    schema: (z) => z.object({ d: z.date() }).readonly(),
    input: () => ({ d: new Date(6) }),
    ...richOnly,
    at: '.d',
  },
  'pipe into a Date': { schema: (z) => z.string().pipe(z.coerce.date()), input: () => '2026-01-01', ...richOnly, transforms: true },
  preprocess: { schema: (z) => z.preprocess((v) => Number(v), z.number()), input: () => '3', ...ok, transforms: true },
  'zod codec to a Date': {
    schema: (z) =>
      typeof z.codec === 'function'
        ? z.codec(z.iso.datetime(), z.date(), { decode: (s) => new Date(s), encode: (d) => d.toISOString() })
        : undefined,
    input: () => '2026-01-01T00:00:00.000Z',
    ...richOnly,
    transforms: true,
  },
  stringbool: { schema: (z) => z.stringbool(), input: () => 'yes', ...ok, transforms: true },
  'transform to a number': { schema: (z) => z.string().transform((s) => s.length), input: () => 'abc', ...ok, transforms: true },
  'transform to a Date': {
    schema: (z) => z.string().transform((s) => new Date(s)),
    input: () => '2026-02-03',
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
    transforms: true,
  },
  'transform to a Set': {
    schema: (z) => z.string().transform((s) => new Set(s)),
    input: () => 'ab',
    json: 'write',
    msgpack: 'write',
    cbor: 'ok',
    transforms: true,
  },
  'transform to a class instance': {
    schema: (z) => z.number().transform((x) => new Point(x)),
    input: () => 1,
    json: 'write',
    msgpack: 'write',
    cbor: 'write',
    transforms: true,
  },
  'transform to NaN': {
    schema: (z) => z.string().transform(() => Number.NaN),
    input: () => 'x',
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
    transforms: true,
  },
  'any holding Infinity': { schema: (z) => z.any(), input: () => Number.POSITIVE_INFINITY, json: 'write', msgpack: 'ok', cbor: 'ok' },
  'any holding -Infinity': { schema: (z) => z.any(), input: () => Number.NEGATIVE_INFINITY, json: 'write', msgpack: 'ok', cbor: 'ok' },
  'any holding a nested Date': {
    schema: (z) => z.any(),
    input: () => ({ d: [new Date(7)] }),
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
    writeAt: '.d[0]',
  },
  'unknown holding undefined in an array': {
    schema: (z) => z.unknown(),
    input: () => [1, undefined],
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
    writeAt: '[1]',
  },
  'unknown holding an undefined property': { schema: (z) => z.unknown(), input: () => ({ u: undefined, v: 1 }), ...ok },
  'unknown holding plain data': { schema: (z) => z.unknown(), input: () => ({ a: [1, 'b', null], c: { d: true } }), ...ok },
  'instanceof Uint8Array': {
    schema: (z) => z.instanceof(Uint8Array),
    input: () => new Uint8Array([1, 2, 255]),
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
  },
  // Both read binary data back as a plain Uint8Array (from a database; see storable.ts).
  'instanceof Buffer': {
    schema: (z) => z.instanceof(Buffer),
    input: () => Buffer.from([1, 2]),
    json: 'write',
    msgpack: 'write',
    cbor: 'write',
  },
  'instanceof Float64Array': {
    schema: (z) => z.instanceof(Float64Array),
    input: () => new Float64Array([1.5]),
    json: 'write',
    msgpack: 'write',
    cbor: 'ok',
  },
  'custom bigint': {
    schema: (z) => z.custom<bigint>((v) => typeof v === 'bigint'),
    input: () => 2n ** 70n,
    json: 'write',
    msgpack: 'write',
    cbor: 'ok',
  },
  'loose object with an extra Date': {
    schema: (z) => z.looseObject({ a: z.string() }),
    input: () => ({ a: 'x', extra: new Date(8) }),
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
    writeAt: '.extra',
  },
  'loose object with plain extras': { schema: (z) => z.looseObject({ a: z.string() }), input: () => ({ a: 'x', extra: [1] }), ...ok },
  'union with a Date': { schema: (z) => z.union([z.string(), z.date()]), input: () => new Date(9), ...richOnly },
  'union of plain types': { schema: (z) => z.union([z.string(), z.number()]), input: () => 3, ...ok },
  'union with a transform': {
    schema: (z) => z.union([z.number(), z.string().transform((s) => new Date(s))]),
    input: () => '2026-03-04',
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
    transforms: true,
  },
  'discriminated union with a Date': {
    schema: (z) => z.discriminatedUnion('k', [z.object({ k: z.literal('a'), at: z.date() }), z.object({ k: z.literal('b') })]),
    input: () => ({ k: 'b' }),
    ...richOnly,
    at: '.at',
  },
  'intersection with a Date': {
    schema: (z) => z.intersection(z.object({ a: z.string() }), z.object({ d: z.date() })),
    input: () => ({ a: 'x', d: new Date(10) }),
    ...richOnly,
    at: '.d',
  },
  'recursive tree': { schema: (z) => trees(z).Tree, input: () => ({ name: 'root', children: [{ name: 'leaf', children: [] }] }), ...ok },
  'recursive tree of Dates': {
    schema: (z) => trees(z).Dated,
    input: () => ({ at: new Date(11), children: [{ at: new Date(12), children: [] }] }),
    ...richOnly,
    at: '.at',
  },
  'recursive tree with unknown meta': {
    schema: (z) => trees(z).Loose,
    input: () => ({ meta: 1, kids: [{ meta: new Date(13), kids: [] }] }),
    json: 'write',
    msgpack: 'ok',
    cbor: 'ok',
    writeAt: '.kids[0].meta',
  },
  'z.json()': { schema: (z) => z.json(), input: () => ({ a: [1, 'b', null, { c: false }] }), ...ok },
  symbol: { schema: (z) => z.symbol(), input: () => Symbol('s'), ...none },
  function: {
    // zod 4.1+: z.function() is a schema again (zod 3.25's zod/v4 has no function schema).
    schema: (z) => {
      const fn = z.function() as unknown;
      return (fn as { _zod?: unknown })._zod ? (fn as $ZodType) : undefined;
    },
    input: () => () => 1,
    ...none,
  },
  promise: { schema: (z) => z.promise(z.string()), input: () => Promise.resolve('x'), ...none },
  file: { schema: (z) => z.file(), input: () => new File([], 'f.txt'), ...none },
};

const inners: Record<InnerName, () => Codec<unknown> | undefined> = { json: () => undefined, msgpack: () => msgpack(), cbor: () => cbor() };

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectRefusal(error: unknown, code: 'INVALID_INPUT' | 'ENCODING', field: string): void {
  expect(isScopedDbError(error, code), String(error)).toBe(true);
  expect((error as Error).message).toContain(`zodCodec: field "${field}" `);
}

export function roundTripTable(z: Z, zodLabel: string, major: 3 | 4): void {
  describe.each(Object.keys(inners) as InnerName[])(`${zodLabel}: every output type with the %s inner codec`, (innerName) => {
    for (const [name, row] of Object.entries(rows)) {
      const field = row.schema(z);
      // A type this zod version does not have gets no test (rather than a skipped one).
      if (field === undefined) continue;
      const outcome = (major === 3 ? row.onZod3?.[innerName] : undefined) ?? row[innerName];
      it(`${name}: ${outcome}`, () => {
        const make = (schema: $ZodType, validateOnRead = false) => {
          const inner = inners[innerName]();
          return zodCodec(schema, inner ? { inner, validateOnRead } : { validateOnRead });
        };
        const schema = z.object({ x: field as zod4.ZodType });
        const nested = z.object({ list: z.array(z.object({ x: field as zod4.ZodType })) });
        const at = typeof row.at === 'object' ? (row.at[innerName] ?? '') : (row.at ?? '');
        if (outcome === 'refused') {
          expectRefusal(
            caught(() => make(schema)),
            'INVALID_INPUT',
            `x${at}`,
          );
          expectRefusal(
            caught(() => make(nested)),
            'INVALID_INPUT',
            `list[].x${at}`,
          );
          return;
        }
        const codec = make(schema);
        const input = { x: row.input() };
        if (outcome === 'write') {
          expectRefusal(
            caught(() => codec.encode(input)),
            'ENCODING',
            `x${row.writeAt ?? ''}`,
          );
          expectRefusal(
            caught(() => make(nested).encode({ list: [{ x: row.input() }, { x: row.input() }] })),
            'ENCODING',
            `list[0].x${row.writeAt ?? ''}`,
          );
          return;
        }
        const parsed = parse(schema, input) as { x: unknown };
        const back = codec.decode(codec.encode(input)) as { x: unknown };
        expect(sameValue(back, parsed), `${String(back)} should equal ${String(parsed)}`).toBe(true);
        if (typeof parsed.x === 'object' && parsed.x !== null) expect(Object.getPrototypeOf(back.x)).toBe(Object.getPrototypeOf(parsed.x));
        expect(typeof back.x).toBe(typeof parsed.x);

        // Through a database: validateOnRead parses what is read again, so it must accept its own write.
        // A schema that transforms its input cannot (its output need not parse): that is refused up front.
        if (row.transforms) {
          const refusal = caught(() => make(schema, true));
          expect(isScopedDbError(refusal, 'INVALID_INPUT')).toBe(true);
          expect((refusal as Error).message).toContain('validateOnRead');
        }
        const db = scopedDatabaseOptions(tempEnv()).types(codecs.string(), make(schema, !row.transforms)).name('table').create();
        db.putSync('tenant', 'k', input);
        expect(sameValue(db.get('tenant', 'k'), parsed)).toBe(true);
      });
    }
  });
}
