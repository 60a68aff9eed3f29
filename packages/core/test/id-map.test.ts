import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdMap } from '../src/id-map.js';

const id = (...bytes: number[]) => new Uint8Array(bytes);

describe('IdMap', () => {
  it('finds an entry through another array with the same bytes', () => {
    const map = new IdMap<string>();
    map.set(id(1, 2, 3, 4, 5, 6, 7, 8), 'a');
    expect(map.get(id(1, 2, 3, 4, 5, 6, 7, 8))).toBe('a');
    expect(map.get(id(1, 2, 3, 4, 5, 6, 7, 9))).toBeUndefined();
    expect(map.size).toBe(1);
  });

  it('keeps DEFAULT (null) apart from every id', () => {
    const map = new IdMap<string>();
    map.set(null, 'default');
    map.set(id(0, 0, 0, 0, 0, 0, 0, 0), 'zero');
    expect(map.get(null)).toBe('default');
    expect(map.get(id(0, 0, 0, 0, 0, 0, 0, 0))).toBe('zero');
  });

  it('never answers a replaced value through an array that saw the old one', () => {
    const map = new IdMap<string>();
    const first = id(9, 9, 9, 9, 9, 9, 9, 9);
    const second = id(9, 9, 9, 9, 9, 9, 9, 9);
    map.set(first, 'old');
    expect(map.get(second)).toBe('old');
    map.set(first, 'new');
    expect(map.get(second)).toBe('new');
    expect([...map.values()]).toEqual(['new']);
  });

  it('answers like a map keyed by the bytes, whatever arrays are used (model)', () => {
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 10 }).map((b) => Array.from(b.map((x) => x % 3)));
    const command = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: bytes, value: fc.integer(), fresh: fc.boolean() }),
      fc.record({ op: fc.constant('get' as const), key: bytes, fresh: fc.boolean() }),
      fc.record({ op: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 300 }), (commands) => {
        const map = new IdMap<number>();
        const model = new Map<string, number>();
        // Reused arrays per content, as a registry hands them out, unless the command asks for a fresh one.
        const arrays = new Map<string, Uint8Array>();
        const arrayOf = (key: number[], fresh: boolean) => {
          const text = key.join(',');
          if (fresh || !arrays.has(text)) arrays.set(text, new Uint8Array(key));
          return arrays.get(text) as Uint8Array;
        };
        for (const c of commands) {
          if (c.op === 'clear') {
            map.clear();
            model.clear();
          } else if (c.op === 'set') {
            map.set(arrayOf(c.key, c.fresh), c.value);
            model.set(c.key.join(','), c.value);
          } else expect(map.get(arrayOf(c.key, c.fresh))).toBe(model.get(c.key.join(',')));
        }
        expect(map.size).toBe(model.size);
        expect([...map.values()].sort()).toEqual([...model.values()].sort());
      }),
    );
  });
});
