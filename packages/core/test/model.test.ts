import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RangeOptions, scopedDatabaseOptions } from '../src/index.js';
import { edgeScopeNames, tempEnv } from './helpers.js';

/**
 * Model-based test: random operations on a raw-bytes scoped database and on a plain
 * Map per scope must agree on every answer.
 */
const SCOPES = [null, 'tenant-a', 'tenant-b', ...Object.values(edgeScopeNames)] as const;
type ScopeName = (typeof SCOPES)[number];

const hex = (key: Uint8Array) => Buffer.from(key).toString('hex');
// A small alphabet of edge bytes: keys collide often and sit at 0x00 / 0xFF boundaries.
const keyArb = fc.array(fc.constantFrom(0x00, 0x01, 0x7f, 0xff), { minLength: 1, maxLength: 2 }).map((k) => Uint8Array.from(k));
// DEFAULT has a table of its own and the most lmdb-js edge cases: draw it more often.
const scopeArb = fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.constantFrom(...SCOPES), weight: 4 });
const valueArb = fc.uint8Array({ maxLength: 6 });
const rangeArb: fc.Arbitrary<RangeOptions<Uint8Array>> = fc.record(
  {
    start: keyArb,
    end: keyArb,
    reverse: fc.boolean(),
    inclusiveEnd: fc.boolean(),
    exclusiveStart: fc.boolean(),
    limit: fc.nat(6),
    offset: fc.nat(4),
  },
  { requiredKeys: [] },
);

type Op =
  | { op: 'put' | 'putSync'; scope: ScopeName; key: Uint8Array; value: Uint8Array }
  | { op: 'remove' | 'removeSync' | 'get'; scope: ScopeName; key: Uint8Array }
  | { op: 'clearSync' | 'isScopeEmpty'; scope: ScopeName }
  | { op: 'getRange' | 'getCount'; scope: ScopeName; range: RangeOptions<Uint8Array> };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('put', 'putSync'), scope: scopeArb, key: keyArb, value: valueArb }),
  fc.record({ op: fc.constantFrom('remove', 'removeSync', 'get'), scope: scopeArb, key: keyArb }),
  fc.record({ op: fc.constantFrom('clearSync', 'isScopeEmpty'), scope: scopeArb }),
  fc.record({ op: fc.constantFrom('getRange', 'getCount'), scope: scopeArb, range: rangeArb }),
) as fc.Arbitrary<Op>;

/** What lmdb-js range options mean, computed on a sorted array. */
function modelRange(entries: Map<string, Uint8Array>, o: RangeOptions<Uint8Array>): [string, Uint8Array][] {
  let sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const start = o.start && hex(o.start);
  const end = o.end && hex(o.end);
  if (o.reverse) {
    sorted = sorted.reverse().filter(([k]) => {
      if (start !== undefined && (o.exclusiveStart ? k >= start : k > start)) return false;
      if (end !== undefined && (o.inclusiveEnd ? k < end : k <= end)) return false;
      return true;
    });
  } else {
    sorted = sorted.filter(([k]) => {
      if (start !== undefined && (o.exclusiveStart ? k <= start : k < start)) return false;
      if (end !== undefined && (o.inclusiveEnd ? k > end : k >= end)) return false;
      return true;
    });
  }
  const offset = o.offset ?? 0;
  return sorted.slice(offset, o.limit === undefined ? undefined : offset + o.limit);
}

describe('scoped database against an in-memory model', () => {
  it('never diverges', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 120, size: 'large' }), async (ops) => {
        const env = tempEnv();
        const db = scopedDatabaseOptions(env).rawBytes().name('model').create();
        const model = new Map<ScopeName, Map<string, Uint8Array>>(SCOPES.map((s) => [s, new Map()]));
        for (const step of ops) {
          const entries = model.get(step.scope) as Map<string, Uint8Array>;
          switch (step.op) {
            case 'put':
              expect(await db.put(step.scope, step.key, step.value)).toBe(true);
              entries.set(hex(step.key), step.value);
              break;
            case 'putSync':
              expect(db.putSync(step.scope, step.key, step.value)).toBe(true);
              entries.set(hex(step.key), step.value);
              break;
            case 'remove':
              expect(await db.remove(step.scope, step.key)).toBe(entries.delete(hex(step.key)));
              break;
            case 'removeSync':
              expect(db.removeSync(step.scope, step.key)).toBe(entries.delete(hex(step.key)));
              break;
            case 'get':
              expect(db.get(step.scope, step.key)).toEqual(entries.get(hex(step.key)));
              break;
            case 'clearSync':
              expect(db.clearSync(step.scope)).toBe(entries.size);
              entries.clear();
              break;
            case 'isScopeEmpty':
              expect(db.isScopeEmpty(step.scope)).toBe(entries.size === 0);
              break;
            case 'getRange': {
              const got = [...db.getRange(step.scope, step.range)].map(({ key, value }) => [hex(key), [...value]]);
              expect(got).toEqual(modelRange(entries, step.range).map(([k, v]) => [k, [...v]]));
              break;
            }
            case 'getCount':
              expect(db.getCount(step.scope, step.range)).toBe(modelRange(entries, step.range).length);
              break;
          }
        }
        await env.close();
      }),
      { numRuns: 100 },
    );
  });
});
