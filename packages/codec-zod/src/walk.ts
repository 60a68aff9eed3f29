/**
 * A walk over a zod 4 schema's definition (`schema._zod.def`) that finds, before anything is
 * written, every output the inner codec would not read back as it is, and builds the
 * per-write check for the parts whose output cannot be known from the schema
 * (`.transform()`, `z.any()`, `z.unknown()`, `z.custom()`). Plain schemas get no check at
 * all: they pay nothing per write.
 *
 * The definitions are read structurally (`type`, `innerType`, `shape`, …) rather than
 * through zod's TypeScript types, so one walk serves zod 4 classic and mini and zod 3.25+
 * through `zod/v4`, whose definitions have the same shape.
 */
import { formatPath, type Position, type Problem, type Segment, type Storage } from './storable.js';

interface SchemaLike {
  readonly _zod: { readonly def: Def; readonly innerType?: unknown; readonly optout?: unknown; readonly values?: unknown };
}
type Def = { readonly type: string } & Record<string, unknown>;

export type ValueCheck = (value: unknown, path: Segment[]) => Problem | undefined;

/** A node of the plan: what to look at per write. Wrappers (optional, default, …) have none of their own. */
type Node =
  | { t: 'static' }
  | { t: 'value'; position: Position; dynamic: true }
  | { t: 'object'; fields: Array<[string, Node]>; rest: Node | undefined; dynamic: boolean }
  | { t: 'array'; element: Node; dynamic: boolean }
  | { t: 'tuple'; items: Node[]; rest: Node | undefined; dynamic: boolean }
  | { t: 'record'; value: Node; dynamic: boolean }
  | { t: 'map'; key: Node; value: Node; dynamic: boolean }
  | { t: 'set'; element: Node; dynamic: boolean }
  | { t: 'union'; options: Node[]; position: Position; dynamic: boolean }
  | { t: 'all'; parts: Node[]; dynamic: boolean };

const STATIC: Node = { t: 'static' };
const ELEMENT: Segment = { text: '[]' };
const ANY_KEY: Segment = { text: '[*]' };
const MAP_KEYS: Segment = { text: '.keys()[]' };
const MAP_VALUES: Segment = { text: '.values()[]' };
/** Past this depth (a schema that builds new schemas as it recurses), the rest is checked per value. */
const MAX_DEPTH = 256;

/** A value of each statically known output type, to ask the storage rules about. */
const SAMPLES: Record<string, () => unknown> = {
  date: () => new Date(0),
  map: () => new Map(),
  set: () => new Set(),
  nan: () => Number.NaN,
  symbol: () => Symbol('sample'),
  function: () => () => undefined,
  promise: () => Promise.resolve(),
  file: () => new File([], 'sample'),
};

/** Types whose output the definition does not tell: their values are checked on every write. */
const DYNAMIC = new Set(['any', 'unknown', 'custom', 'transform']);
/** Types whose output always stores (or, `never`, does not exist). */
const PLAIN = new Set(['string', 'number', 'int', 'boolean', 'null', 'enum', 'template_literal', 'success', 'never']);
/** Wrappers whose output is their inner type's (`optional` adds undefined, handled apart). */
const SAME_AS_INNER = new Set(['nullable', 'catch', 'readonly']);
/** Wrappers whose output is their inner type's without undefined. */
const NEVER_UNDEFINED = new Set(['default', 'prefault', 'nonoptional']);

export function isZod4Schema(schema: unknown): schema is SchemaLike {
  const internals = (schema as { _zod?: { def?: { type?: unknown } } } | null | undefined)?._zod;
  return typeof internals?.def?.type === 'string';
}

export interface Plan {
  /** The first output the inner codec would not read back as it is, or undefined. */
  readonly problem: Problem | undefined;
  /**
   * Where the first transform or pipe sits ('' for the value itself): its output need not parse
   * with the schema again, so `validateOnRead` is refused for it.
   */
  readonly transform: string | undefined;
  /** The per-write check of the dynamic parts; undefined when there are none. */
  readonly check: ValueCheck | undefined;
}

export function plan(schema: SchemaLike, storage: Storage): Plan {
  let problem: Problem | undefined;
  let transform: string | undefined;
  const nodes: Node[] = [];
  // One node per (schema, position): a recursive schema meets itself again here.
  const memo = new Map<object, Partial<Record<Position, Node>>>();
  const path: Segment[] = [];

  const refuse = (found: Problem | undefined): Node => {
    if (found && !problem) problem = found;
    return STATIC;
  };
  const at = <T>(segment: Segment, run: () => T): T => {
    path.push(segment);
    try {
      return run();
    } finally {
      path.pop();
    }
  };
  const container = <N extends Node>(target: SchemaLike, position: Position, node: N, fill: (node: N) => void): N => {
    const slots = memo.get(target) ?? {};
    slots[position] = node;
    memo.set(target, slots);
    nodes.push(node);
    fill(node);
    return node;
  };
  const valueNode = (position: Position): Node => {
    const node: Node = { t: 'value', position, dynamic: true };
    nodes.push(node);
    return node;
  };

  const walk = (schema: unknown, position: Position, depth: number): Node => {
    if (!isZod4Schema(schema) || depth > MAX_DEPTH) return valueNode(position);
    const seen = memo.get(schema)?.[position];
    if (seen) return seen;
    const def = schema._zod.def;
    const inner = (key: string, innerPosition = position) => walk(def[key], innerPosition, depth + 1);
    const type = def.type;
    if (PLAIN.has(type)) return STATIC;
    if (DYNAMIC.has(type)) {
      if (type === 'transform') transform ??= formatPath(path);
      return valueNode(position);
    }
    if (SAME_AS_INNER.has(type)) return inner('innerType');
    // Undefined cannot come out of these: wherever they sit, undefined is no concern.
    if (NEVER_UNDEFINED.has(type)) return inner('innerType', 'optional');
    switch (type) {
      case 'optional':
        refuse(storage.check(undefined, path, position));
        return inner('innerType');
      case 'undefined':
      case 'void':
        return refuse(storage.check(undefined, path, position));
      case 'literal':
        for (const value of (def.values as Iterable<unknown> | undefined) ?? []) refuse(storage.check(value, path, position));
        return STATIC;
      case 'bigint':
        // msgpack stores 64 bits: each value is checked (only where the schema outputs a bigint).
        return storage.storesAnyBigint
          ? STATIC
          : storage.name === 'msgpack'
            ? valueNode(position)
            : refuse(storage.check(0n, path, position));
      case 'pipe':
        // What a pipe outputs is what its out side outputs. Its in side takes something else
        // (a string that becomes a Date, z.preprocess, a zod codec): the output need not parse again.
        transform ??= formatPath(path);
        return inner('out');
      case 'lazy':
        // zod caches the getter's schema as innerType; the memo above stops the recursion.
        return walk(schema._zod.innerType ?? (def.getter as () => unknown)(), position, depth + 1);
      case 'object':
        return container(
          schema,
          position,
          { t: 'object', fields: [], rest: undefined, dynamic: false } as Node & { t: 'object' },
          (node) => {
            const shape = def.shape as Record<string, unknown>;
            for (const key of Object.keys(shape)) {
              const field = shape[key];
              node.fields.push([key, at(key, () => walk(field, keyPosition(field), depth + 1))]);
            }
            // Keys the schema passes through unnamed (z.looseObject, .catchall()): none is required.
            const catchall = def.catchall;
            if (isZod4Schema(catchall) && catchall._zod.def.type !== 'never')
              node.rest = at(ANY_KEY, () => walk(catchall, 'optional', depth + 1));
          },
        );
      case 'array':
        return container(schema, position, { t: 'array', element: STATIC, dynamic: false } as Node & { t: 'array' }, (node) => {
          node.element = at(ELEMENT, () => inner('element', 'item'));
        });
      case 'tuple':
        return container(schema, position, { t: 'tuple', items: [], rest: undefined, dynamic: false } as Node & { t: 'tuple' }, (node) => {
          const items = def.items as unknown[];
          items.forEach((item, i) => {
            node.items.push(at(i, () => walk(item, 'item', depth + 1)));
          });
          if (def.rest) node.rest = at(ELEMENT, () => inner('rest', 'item'));
        });
      case 'record':
        return container(schema, position, { t: 'record', value: STATIC, dynamic: false } as Node & { t: 'record' }, (node) => {
          // Keys: only a symbol would not survive (keys of a stored object are strings).
          at({ text: '[*] (key)' }, () => inner('keyType', 'item'));
          // A missing key reads as undefined, unless the keys are a fixed set (z.enum, z.literal), which zod requires.
          const exhaustive = isZod4Schema(def.keyType) && def.keyType._zod.values instanceof Set;
          node.value = at(ANY_KEY, () => inner('valueType', exhaustive ? keyPosition(def.valueType) : 'optional'));
        });
      case 'map':
      case 'set': {
        const refused = storage.check(SAMPLES[type]?.(), path, position);
        if (refused) return refuse(refused);
        if (type === 'set') {
          return container(schema, position, { t: 'set', element: STATIC, dynamic: false } as Node & { t: 'set' }, (node) => {
            node.element = at(MAP_VALUES, () => inner('valueType', 'item'));
          });
        }
        return container(schema, position, { t: 'map', key: STATIC, value: STATIC, dynamic: false } as Node & { t: 'map' }, (node) => {
          node.key = at(MAP_KEYS, () => inner('keyType', 'item'));
          node.value = at(MAP_VALUES, () => inner('valueType', 'item'));
        });
      }
      case 'union':
        return container(schema, position, { t: 'union', options: [], position, dynamic: false } as Node & { t: 'union' }, (node) => {
          for (const option of def.options as unknown[]) node.options.push(walk(option, position, depth + 1));
        });
      case 'intersection':
        return container(schema, position, { t: 'all', parts: [], dynamic: false } as Node & { t: 'all' }, (node) => {
          node.parts.push(inner('left'), inner('right'));
        });
      case 'date':
      case 'nan':
      case 'symbol':
      case 'function':
      case 'promise':
      case 'file':
        return refuse(storage.check(SAMPLES[type]?.(), path, position));
      default:
        // A type this walk does not know (a newer zod): check its values on every write.
        return valueNode(position);
    }
  };

  const root = walk(schema, 'root', 0);
  settle(nodes);
  return { problem, transform, check: root.t !== 'static' && root.dynamic ? build(root, storage) : undefined };
}

/**
 * An object key whose output may be missing (zod's `optout`: `.optional()`, and in zod 3.25's
 * zod/v4 anything that accepts undefined) may lose an undefined value: it reads back missing,
 * which zod accepts. Any other key must come back present; zod 4 refuses it missing even where
 * its schema accepts undefined (z.undefined(), z.unknown()).
 */
function keyPosition(field: unknown): Position {
  return isZod4Schema(field) && field._zod.optout === 'optional' ? 'optional' : 'required';
}

const isDynamic = (node: Node | undefined): boolean => node !== undefined && node.t !== 'static' && node.dynamic;

/** Marks every node that reaches a dynamic part, to a fixpoint (recursive schemas make cycles). */
function settle(nodes: Node[]): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of nodes) {
      if (node.t === 'static' || node.dynamic) continue;
      const children =
        node.t === 'object'
          ? [...node.fields.map(([, field]) => field), node.rest]
          : node.t === 'array' || node.t === 'set'
            ? [node.element]
            : node.t === 'tuple'
              ? [...node.items, node.rest]
              : node.t === 'record'
                ? [node.value]
                : node.t === 'map'
                  ? [node.key, node.value]
                  : node.t === 'union'
                    ? node.options
                    : node.t === 'all'
                      ? node.parts
                      : [];
      if (children.some(isDynamic)) {
        node.dynamic = true;
        changed = true;
      }
    }
  }
}

/** The per-write check of a dynamic node: it walks the value only down to the dynamic parts. */
function build(root: Node, storage: Storage): ValueCheck {
  const built = new Map<Node, ValueCheck>();
  const at = (segment: Segment, path: Segment[], check: ValueCheck, value: unknown): Problem | undefined => {
    path.push(segment);
    try {
      return check(value, path);
    } finally {
      path.pop();
    }
  };
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

  const make = (node: Node): ValueCheck | undefined => {
    if (!isDynamic(node)) return undefined;
    const done = built.get(node);
    if (done) return done;
    // Registered before its children are built: a recursive schema's check calls itself.
    let run: ValueCheck = () => undefined;
    const check: ValueCheck = (value, path) => run(value, path);
    built.set(node, check);
    run = makeNow(node);
    return check;
  };

  const makeNow = (node: Node): ValueCheck => {
    switch (node.t) {
      case 'value':
      case 'union':
        // A union: which option matched is not known after parsing, so check the value itself.
        return (value, path) => storage.check(value, path, node.position);
      case 'object': {
        const fields = node.fields.flatMap(([key, field]) => {
          const check = make(field);
          return check ? [[key, check] as const] : [];
        });
        const rest = node.rest && make(node.rest);
        const known = new Set(node.fields.map(([key]) => key));
        return (value, path) => {
          if (!isObject(value)) return undefined;
          for (const [key, check] of fields) {
            const found = at(key, path, check, value[key]);
            if (found) return found;
          }
          if (rest) {
            for (const key of Object.keys(value)) {
              if (known.has(key)) continue;
              const found = at(key, path, rest, value[key]);
              if (found) return found;
            }
          }
          return undefined;
        };
      }
      case 'array':
      case 'set': {
        const element = make(node.element) as ValueCheck;
        return (value, path) => {
          if (!(Array.isArray(value) || value instanceof Set)) return undefined;
          let i = 0;
          for (const item of value) {
            const index = i++;
            const found = at(node.t === 'array' ? index : { text: `.values()[${index}]` }, path, element, item);
            if (found) return found;
          }
          return undefined;
        };
      }
      case 'tuple': {
        const items = node.items.map(make);
        const rest = node.rest && make(node.rest);
        return (value, path) => {
          if (!Array.isArray(value)) return undefined;
          for (let i = 0; i < value.length; i++) {
            const check = i < items.length ? items[i] : rest;
            const found = check && at(i, path, check, value[i]);
            if (found) return found;
          }
          return undefined;
        };
      }
      case 'record': {
        const check = make(node.value) as ValueCheck;
        return (value, path) => {
          if (!isObject(value)) return undefined;
          for (const key of Object.keys(value)) {
            const found = at(key, path, check, value[key]);
            if (found) return found;
          }
          return undefined;
        };
      }
      case 'map': {
        const key = make(node.key);
        const item = make(node.value);
        return (value, path) => {
          if (!(value instanceof Map)) return undefined;
          let i = 0;
          for (const [k, v] of value) {
            const index = i++;
            const found =
              (key && at({ text: `.keys()[${index}]` }, path, key, k)) || (item && at({ text: `.values()[${index}]` }, path, item, v));
            if (found) return found;
          }
          return undefined;
        };
      }
      case 'all': {
        const parts = node.parts.flatMap((part) => make(part) ?? []);
        return (value, path) => {
          for (const part of parts) {
            const found = part(value, path);
            if (found) return found;
          }
          return undefined;
        };
      }
      case 'static':
        return () => undefined;
    }
  };

  return make(root) as ValueCheck;
}
