import { isDeepStrictEqual } from 'node:util';

/** Drops undefined-valued properties of plain objects (a missing property reads undefined just the same) and fills holes. */
function withoutUndefinedProperties(value: unknown): unknown {
  // Array.from reads a hole as undefined: an empty slot equals an undefined item, as a missing property does.
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) return Array.from(value, withoutUndefinedProperties);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    // Symbol keys too: a codec that drops them must not compare equal.
    const out: Record<string | symbol, unknown> = {};
    for (const key of Reflect.ownKeys(value)) {
      const item = (value as Record<string | symbol, unknown>)[key];
      if (item !== undefined) out[key] = withoutUndefinedProperties(item);
    }
    return out;
  }
  return value;
}

/**
 * What "reads back equal" means here: deep equality with the same prototypes all the way down
 * (a Date is a Date, a Buffer is not a Uint8Array, NaN equals NaN, -0 is not 0), where an
 * object property that is undefined equals one that is missing, and a hole an undefined item.
 */
export function sameValue(actual: unknown, expected: unknown): boolean {
  return isDeepStrictEqual(withoutUndefinedProperties(actual), withoutUndefinedProperties(expected));
}
