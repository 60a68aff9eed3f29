/**
 * What the inner codecs this package knows by name (`json`, `msgpack`, `cbor`) read back
 * unchanged, and a check of a value against that. A schema codec promises that what it
 * reads equals what it validated, in type and value: a Date that JSON would store as a
 * string must be refused, not written.
 *
 * The rules were measured on each codec with its default options (plus our
 * `copyBuffers: true`), decoding from a plain Uint8Array as a database hands it out (msgpackr
 * and cbor-x return a Buffer for binary data when they decode from a Buffer, and the schema
 * codecs give them a plain view either way); `test/storable.test.ts` keeps them honest. Not checked anywhere:
 * `-0` (all three read it back as `0`) and lone surrogates in strings (msgpack and cbor
 * write UTF-8 and read them back as U+FFFD). A codec with another name is trusted.
 */

export type KnownInner = 'json' | 'msgpack' | 'cbor';

/**
 * Where a value sits, which decides what undefined becomes. `optional`: an optional key (JSON
 * drops it and a missing key reads undefined: fine), or a place undefined cannot reach;
 * `required`: a key the schema requires (zod 4 refuses it missing); `item`: an array, tuple,
 * Map or Set entry (JSON writes null); `root`: the value itself (JSON has no form for it).
 */
export type Position = 'optional' | 'required' | 'item' | 'root';

/** One step of a field path: a property name, an index, or fixed text such as `[]`. */
export type Segment = string | number | { readonly text: string };

/** Why a value (or a value a schema outputs) cannot be stored as it is. */
export interface Problem {
  /** Where, formatted (`events[3].at`); '' for the value itself. */
  readonly path: string;
  /** What it is: `a Date`, `undefined`, `a bigint beyond 64 bits`. */
  readonly what: string;
  /** Why not: `which JSON cannot store`. */
  readonly why: string;
  /** What to do instead. */
  readonly hint: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string')
      out += IDENTIFIER.test(segment) ? (out === '' ? segment : `.${segment}`) : `[${JSON.stringify(segment)}]`;
    else out += segment.text;
  }
  return out;
}

const CBOR_HINT = 'pass { inner: cbor() } from @scoped-lmdb/codec-cbor';
const NO_CODEC_HINT = 'no codec here stores it: change the schema to output something storable';
const BIGINT_64_MIN = -(2n ** 63n);
const BIGINT_64_MAX = 2n ** 64n - 1n;

/** What kind of value this is, as far as storing it goes. */
type Shape =
  | 'undefined'
  | 'plain'
  | 'non-finite'
  | 'bigint'
  | 'symbol'
  | 'function'
  | 'array'
  | 'object'
  | 'null-prototype'
  | 'Date'
  | 'invalid Date'
  | 'Map'
  | 'Set'
  | 'Buffer'
  | 'Uint8Array'
  | 'typed array'
  | 'ArrayBuffer'
  | 'RegExp'
  | 'instance';

const TYPED_ARRAY_PROTOTYPES = new Set<unknown>(
  [
    Int8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((type) => type.prototype),
);

function shapeOf(value: unknown): Shape {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
    case 'boolean':
      return 'plain';
    case 'number':
      return Number.isFinite(value) ? 'plain' : 'non-finite';
    case 'bigint':
      return 'bigint';
    case 'symbol':
      return 'symbol';
    case 'function':
      return 'function';
  }
  if (value === null) return 'plain';
  // Exact prototypes: a subclass (or a Buffer posing as a Uint8Array) does not read back as itself.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype) return 'object';
  if (prototype === Array.prototype) return 'array';
  if (prototype === null) return 'null-prototype';
  if (prototype === Date.prototype) return Number.isNaN((value as Date).getTime()) ? 'invalid Date' : 'Date';
  if (prototype === Map.prototype) return 'Map';
  if (prototype === Set.prototype) return 'Set';
  if (prototype === Buffer.prototype) return 'Buffer';
  if (prototype === Uint8Array.prototype) return 'Uint8Array';
  if (TYPED_ARRAY_PROTOTYPES.has(prototype)) return 'typed array';
  if (prototype === ArrayBuffer.prototype || prototype === DataView.prototype) return 'ArrayBuffer';
  if (prototype === RegExp.prototype) return 'RegExp';
  return 'instance';
}

function describeValue(value: unknown, shape: Shape): string {
  switch (shape) {
    case 'undefined':
      return 'undefined';
    case 'non-finite':
      return String(value);
    case 'bigint':
      return 'a bigint';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'null-prototype':
      return 'an object without a prototype';
    case 'invalid Date':
      return 'an invalid Date';
    case 'typed array':
    case 'ArrayBuffer':
    case 'instance': {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' && name !== '' ? `a ${name}` : 'a class instance';
    }
    default:
      return `a ${shape}`;
  }
}

/**
 * Per codec: for each shape it cannot read back as itself, why not (`undefined`: it can).
 * Containers it stores (arrays, plain objects, Maps, Sets) are checked element by element.
 */
interface Rules {
  readonly label: string;
  /** Whether undefined reads back as undefined everywhere (JSON: only as an optional key, dropped). */
  readonly storesUndefined: boolean;
  refuses(shape: Shape, value: unknown): string | undefined;
}

const RULES: Record<KnownInner, Rules> = {
  json: {
    label: 'JSON',
    storesUndefined: false,
    refuses(shape) {
      switch (shape) {
        case 'plain':
        case 'array':
        case 'object':
          return undefined;
        case 'non-finite':
          return 'which JSON stores as null';
        default:
          return 'which JSON cannot store';
      }
    },
  },
  msgpack: {
    label: 'msgpack',
    storesUndefined: true,
    refuses(shape, value) {
      switch (shape) {
        case 'plain':
        case 'undefined':
        case 'non-finite':
        case 'array':
        case 'object':
        case 'Date':
        case 'Map':
        case 'Uint8Array':
          return undefined;
        case 'bigint': {
          const big = value as bigint;
          return big < BIGINT_64_MIN || big > BIGINT_64_MAX ? 'which msgpack cannot store (64 bits at most)' : undefined;
        }
        case 'Set':
          return 'which msgpack reads back as an array';
        case 'Buffer':
        case 'typed array':
        case 'ArrayBuffer':
          return 'which msgpack reads back as a plain Uint8Array';
        case 'symbol':
        case 'function':
        case 'invalid Date':
          return 'which msgpack cannot store';
        default:
          return `which msgpack cannot read back as ${describeValue(value, shape)}`;
      }
    },
  },
  cbor: {
    label: 'cbor',
    storesUndefined: true,
    refuses(shape, value) {
      switch (shape) {
        case 'plain':
        case 'undefined':
        case 'non-finite':
        case 'bigint':
        case 'array':
        case 'object':
        case 'Date':
        case 'Map':
        case 'Set':
        case 'Uint8Array':
        case 'typed array':
        case 'RegExp':
          return undefined;
        case 'Buffer':
        case 'ArrayBuffer':
          return 'which cbor reads back as a plain Uint8Array';
        case 'symbol':
        case 'function':
        case 'invalid Date':
          return 'which cbor cannot store';
        default:
          return `which cbor cannot read back as ${describeValue(value, shape)}`;
      }
    },
  },
};

/** A known inner codec: what it stores, and the check of a value against it. */
export interface Storage {
  readonly name: string;
  /** Whether it stores every bigint (msgpack: 64 bits only, checked per value). */
  readonly storesAnyBigint: boolean;
  /** The first part of `value`, sitting at `position`, this codec would not read back as it is, or undefined. */
  check(value: unknown, path: Segment[], position: Position): Problem | undefined;
}

export function storageFor(innerName: string): Storage | undefined {
  if (innerName !== 'json' && innerName !== 'msgpack' && innerName !== 'cbor') return undefined;
  const name: KnownInner = innerName;
  const rules = RULES[name];
  const problem = (value: unknown, shape: Shape, why: string, path: readonly Segment[]): Problem => {
    let hint = name !== 'cbor' && RULES.cbor.refuses(shape, value) === undefined ? CBOR_HINT : NO_CODEC_HINT;
    if (shape === 'Buffer' || shape === 'ArrayBuffer')
      hint = `copy it into a plain Uint8Array first (new Uint8Array(bytes)), or change the schema`;
    return { path: formatPath(path), what: describeValue(value, shape), why, hint };
  };
  /** undefined where JSON cannot keep it (msgpack and cbor keep it everywhere). */
  const undefinedProblem = (position: Position, path: readonly Segment[]): Problem | undefined => {
    if (position === 'optional' || rules.storesUndefined) return undefined;
    const [why, hint] =
      position === 'item'
        ? ['which JSON stores as null', `make it .nullable() instead, or ${CBOR_HINT}`]
        : position === 'required'
          ? ['which JSON drops, and the key is required', `make the field .optional(), or ${CBOR_HINT}`]
          : ['which JSON cannot store', CBOR_HINT];
    return { path: formatPath(path), what: 'undefined', why, hint };
  };

  // `seen`: the objects on the way down; a cycle is left to the codec (JSON refuses it, cbor and msgpack store it).
  const check = (value: unknown, path: Segment[], position: Position, seen: Set<object>): Problem | undefined => {
    const shape = shapeOf(value);
    if (shape === 'plain') return undefined;
    if (shape === 'undefined') return undefinedProblem(position, path);
    const why = rules.refuses(shape, value);
    if (why !== undefined) return problem(value, shape, why, path);
    if (shape !== 'array' && shape !== 'object' && shape !== 'Map' && shape !== 'Set') return undefined;
    const container = value as object;
    if (seen.has(container)) return undefined;
    seen.add(container);
    try {
      return checkContainer(container, shape, path, seen);
    } finally {
      seen.delete(container);
    }
  };

  const at = (segment: Segment, path: Segment[], run: () => Problem | undefined): Problem | undefined => {
    path.push(segment);
    try {
      return run();
    } finally {
      path.pop();
    }
  };

  const checkContainer = (value: object, shape: Shape, path: Segment[], seen: Set<object>): Problem | undefined => {
    if (shape === 'array') {
      const array = value as unknown[];
      for (let i = 0; i < array.length; i++) {
        // A hole reads back as null (JSON) or undefined: the same as an undefined item.
        const item = i in array ? array[i] : undefined;
        const found = at(i, path, () => check(item, path, 'item', seen));
        if (found) return found;
      }
      return undefined;
    }
    if (shape === 'object') {
      if (Object.getOwnPropertySymbols(value).length > 0) {
        return { path: formatPath(path), what: 'a symbol-keyed property', why: `which ${rules.label} drops`, hint: NO_CODEC_HINT };
      }
      // Keys the schema does not describe (z.any(), a transform's output): optional as far as anyone can tell.
      for (const key of Object.keys(value)) {
        const found = at(key, path, () => check((value as Record<string, unknown>)[key], path, 'optional', seen));
        if (found) return found;
      }
      return undefined;
    }
    let i = 0;
    for (const [key, item] of shape === 'Map' ? (value as Map<unknown, unknown>) : (value as Set<unknown>).entries()) {
      const index = i++;
      const found =
        (shape === 'Map' ? at({ text: `.keys()[${index}]` }, path, () => check(key, path, 'item', seen)) : undefined) ??
        at({ text: `.values()[${index}]` }, path, () => check(item, path, 'item', seen));
      if (found) return found;
    }
    return undefined;
  };

  return {
    name,
    storesAnyBigint: name === 'cbor',
    check: (value, path, position) => check(value, path, position, new Set()),
  };
}
