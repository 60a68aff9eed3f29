import { describe, expect, it } from 'vitest';
import { keyFormat, MAX_KEY_BYTES, Scope } from '../src/index.js';
import { firstScopeStart, keyPrefixLength, nextId, nextScopeStart, scopeRange, writeKeyPrefix } from '../src/key-format.js';
import { bytes, edgeScopeNames } from './helpers.js';

describe('keyFormat (version 1)', () => {
  it('is version 1 with a 1970-byte key limit', () => {
    expect(keyFormat.version).toBe(1);
    expect(MAX_KEY_BYTES).toBe(1978 - 8);
  });

  it('prefixes named keys with the 8-byte id and leaves DEFAULT keys as they are', () => {
    const scope = Scope.named('tenant');
    const key = bytes(1, 2, 3);
    expect(keyFormat.encode(scope, key)).toEqual(new Uint8Array([...(scope.id as Uint8Array), 1, 2, 3]));
    expect(keyFormat.encode(null, key)).toEqual(key);
    expect(keyFormat.encode('tenant', key)).toEqual(keyFormat.encode(scope, key));
  });

  it('encodes an empty key in a named scope as the id alone, and refuses it for DEFAULT', () => {
    const scope = Scope.named('tenant');
    expect(keyFormat.encode(scope, new Uint8Array(0))).toEqual(scope.id);
    expect(keyFormat.decode(scope.id as Uint8Array).key).toEqual(new Uint8Array(0));
    expect(() => keyFormat.encode(null, new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('decodes a named key back into hash and key', () => {
    const scope = Scope.named('tenant');
    const decoded = keyFormat.decode(keyFormat.encode(scope, bytes(9, 8)));
    expect(decoded.hash).toBe(scope.hash);
    expect(decoded.key).toEqual(bytes(9, 8));
  });

  it('refuses to decode fewer than 8 bytes and to bound DEFAULT', () => {
    expect(() => keyFormat.decode(bytes(1, 2, 3))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => keyFormat.bounds(Scope.DEFAULT)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => keyFormat.bounds(null)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('bounds a scope by [id, id + 1) with carry', () => {
    const cases = [edgeScopeNames.endsWithFF, edgeScopeNames.endsWithFFFF, edgeScopeNames.startsWithFF, 'plain'];
    for (const name of cases) {
      const scope = Scope.named(name);
      const { start, end } = keyFormat.bounds(scope);
      expect(start).toEqual(scope.id);
      const expected = ((scope.hash as bigint) + 1n) & 0xffff_ffff_ffff_ffffn;
      expect(new DataView((end as Uint8Array).buffer).getBigUint64(0, false)).toBe(expected);
    }
  });

  it('has an open upper bound for an all-0xFF id', () => {
    expect(nextId(new Uint8Array(8).fill(0xff))).toBeUndefined();
    expect(nextId(bytes(0, 0, 0, 0, 0, 0, 0xff, 0xff))).toEqual(bytes(0, 0, 0, 0, 0, 1, 0, 0));
    expect(nextId(bytes(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toEqual(bytes(0xff, 0, 0, 0, 0, 0, 0, 0));
  });

  it('keeps every key of a scope inside its bounds, whatever its bytes', () => {
    const scope = Scope.named(edgeScopeNames.endsWithFFFF);
    const { start, end } = keyFormat.bounds(scope);
    for (const key of [bytes(0), bytes(0xff, 0xff, 0xff), new Uint8Array(MAX_KEY_BYTES).fill(0xff)]) {
      const full = keyFormat.encode(scope, key);
      expect(Buffer.compare(full, start)).toBe(1);
      expect(Buffer.compare(full, end as Uint8Array)).toBe(-1);
    }
  });
});

describe('the key-format helpers the database builds keys and ranges with', () => {
  const tenant = Scope.named('tenant-a');
  const id = tenant.id as Uint8Array;

  it('prefix: nothing for DEFAULT, the id for a named scope, written where the key will follow', () => {
    expect(keyPrefixLength(Scope.DEFAULT)).toBe(0);
    expect(keyPrefixLength(tenant)).toBe(8);
    const target = new Uint8Array(12).fill(0xee);
    expect(writeKeyPrefix(Scope.DEFAULT, target)).toBe(0);
    expect(target).toEqual(new Uint8Array(12).fill(0xee));
    expect(writeKeyPrefix(tenant, target)).toBe(8);
    expect(target.subarray(0, 8)).toEqual(id);
    expect(target.subarray(8)).toEqual(new Uint8Array(4).fill(0xee));
  });

  it('range: none for DEFAULT; [id, id + 1) for a named scope, like keyFormat.bounds', () => {
    expect(scopeRange(Scope.DEFAULT)).toEqual({});
    const { low, high } = scopeRange(tenant);
    expect(low).toEqual(id);
    expect(high).toEqual(keyFormat.bounds(tenant).end);
  });

  it("walking scopes: from the all-zero id to the id after a key's own, and nowhere after the last id", () => {
    expect(firstScopeStart()).toEqual(new Uint8Array(8));
    expect(nextScopeStart(keyFormat.encode(tenant, bytes(1, 2, 3)))).toEqual(keyFormat.bounds(tenant).end);
    expect(nextScopeStart(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00))).toBeUndefined();
  });
});
