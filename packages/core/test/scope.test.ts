import { describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { isScopedDbError, Scope } from '../src/index.js';

const { h64Raw } = await xxhash();

describe('Scope', () => {
  it('hashes the UTF-8 name with xxh64 (seed 0) into an 8-byte big-endian id', () => {
    for (const name of ['tenant-a', 'user:12345', 'a.b.c', '租户', '🙂 emoji', 'x'.repeat(1000)]) {
      const scope = Scope.named(name);
      const expected = h64Raw(new TextEncoder().encode(name), 0n);
      expect(scope.hash).toBe(expected);
      const id = scope.id as Uint8Array;
      expect(id).toHaveLength(8);
      expect(new DataView(id.buffer).getBigUint64(0, false)).toBe(expected);
      expect(scope.name).toBe(name);
      expect(scope.isDefault).toBe(false);
      expect(scope.toString()).toBe(name);
    }
  });

  it('has a DEFAULT scope with no name, hash or id', () => {
    expect(Scope.DEFAULT.isDefault).toBe(true);
    expect(Scope.DEFAULT.name).toBeNull();
    expect(Scope.DEFAULT.hash).toBeNull();
    expect(Scope.DEFAULT.id).toBeNull();
    expect(Scope.DEFAULT.toString()).toBe('(default)');
  });

  it('maps ScopeLike values with from()', () => {
    const a = Scope.named('a');
    expect(Scope.from(a)).toBe(a);
    expect(Scope.from(null)).toBe(Scope.DEFAULT);
    expect(Scope.from(undefined)).toBe(Scope.DEFAULT);
    expect(Scope.from('a').equals(a)).toBe(true);
  });

  it('compares by name, and DEFAULT only equals DEFAULT', () => {
    expect(Scope.named('a').equals('a')).toBe(true);
    expect(Scope.named('a').equals('b')).toBe(false);
    expect(Scope.named('a').equals(null)).toBe(false);
    expect(Scope.DEFAULT.equals(undefined)).toBe(true);
  });

  it('returns a copy of the id, so callers cannot corrupt the scope', () => {
    const scope = Scope.named('copy-me');
    const id = scope.id as Uint8Array;
    id.fill(0);
    expect(scope.id).not.toEqual(id);
  });

  it('rejects the empty name with EMPTY_SCOPE_NAME', () => {
    expect(() => Scope.named('')).toThrow(expect.objectContaining({ code: 'EMPTY_SCOPE_NAME' }));
    expect(() => Scope.from('')).toThrow(expect.objectContaining({ code: 'EMPTY_SCOPE_NAME' }));
  });

  it('rejects names that are not well-formed UTF-16 (they would hash alike)', () => {
    for (const name of ['\uD800', 'a\uDC00b', '\uDBFF']) {
      try {
        Scope.named(name);
        expect.unreachable();
      } catch (error) {
        expect(isScopedDbError(error, 'INVALID_INPUT')).toBe(true);
      }
    }
  });

  it('rejects non-string names from JavaScript callers', () => {
    for (const bad of [42, {}, [], true, Symbol('s')]) {
      expect(() => Scope.from(bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      expect(() => Scope.named(bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

describe('Scope.from with objects that are not this copy’s Scope', () => {
  it('refuses forged objects with INVALID_INPUT', () => {
    const forged = [
      Object.create(Scope.prototype),
      { name: 'tenant', isDefault: false, hash: 1n, id: new Uint8Array(8) },
      Object.assign(Object.create(Scope.prototype), { name: 'tenant' }),
    ];
    for (const like of forged) {
      expect(() => Scope.from(like)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('takes a Scope of another copy of the package by its name', () => {
    const brand = Symbol.for('@scoped-lmdb/core/Scope');
    const otherCopy = (name: string | null) => ({ [brand]: 1, name, isDefault: name === null });
    expect(Scope.from(otherCopy('tenant') as never)).toBe(Scope.named('tenant'));
    expect(Scope.from(otherCopy(null) as never)).toBe(Scope.DEFAULT);
    expect(() => Scope.from({ [brand]: 1, name: '' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
