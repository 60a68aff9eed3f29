// Key arguments typed on a command line, and stored bytes shown, per stored codec name.
import { codecs } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { codecForName, parseKeyArgument, show, toJsonForm } from '../src/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('parseKeyArgument', () => {
  it('takes string keys as they are, and JSON for ordered-binary keys', () => {
    expect(hex(parseKeyArgument('42', 'string'))).toBe(hex(codecs.string().encode('42')));
    expect(hex(parseKeyArgument('42', 'ordered-binary'))).toBe(hex(codecs.key().encode(42)));
    expect(hex(parseKeyArgument('"42"', 'ordered-binary'))).toBe(hex(codecs.key().encode('42')));
    expect(hex(parseKeyArgument('[2026,1]', 'ordered-binary'))).toBe(hex(codecs.key().encode([2026, 1])));
    expect(hex(parseKeyArgument('user:1', 'ordered-binary'))).toBe(hex(codecs.key().encode('user:1')));
    expect(hex(parseKeyArgument('{"a":1}', 'zod(json)'))).toBe(hex(codecs.json().encode({ a: 1 })));
  });

  it('takes hex for bytes keys, for unknown codecs, and after hex: for any', () => {
    expect(hex(parseKeyArgument('0x0102', 'bytes'))).toBe('0102');
    expect(hex(parseKeyArgument('cafe', 'my-custom-codec'))).toBe('cafe');
    expect(hex(parseKeyArgument('hex:00ff', 'string'))).toBe('00ff');
    expect(() => parseKeyArgument('xyz', 'bytes')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('hex') }),
    );
    expect(() => parseKeyArgument('abc', 'bytes')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('refuses a key the codec cannot encode', () => {
    expect(() => parseKeyArgument('{"a":1}', 'ordered-binary')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('show', () => {
  it('decodes with the named codec, and falls back to hex when it cannot', () => {
    expect(show(codecs.json().encode({ a: [1, 'x'] }), 'json', false)).toMatchObject({ json: { a: [1, 'x'] }, decoded: true });
    expect(show(new Uint8Array([0xff, 0x00]), 'json', false)).toEqual({
      text: 'ff00',
      json: { $bytes: 'ff00' },
      size: 2,
      hex: 'ff00',
      decoded: false,
    });
    expect(show(new Uint8Array([1]), 'someone-elses', false).decoded).toBe(false);
    expect(codecForName('standard(msgpack)')?.name).toBe('msgpack');
    expect(codecForName('zod(unknown)')).toBeUndefined();
  });

  it('tags what JSON cannot hold', () => {
    expect(
      toJsonForm({
        n: 10n,
        d: new Date(0),
        m: new Map([[1, 'a']]),
        s: new Set([1]),
        b: new Uint8Array([1]),
        u: undefined,
        x: Number.NaN,
      }),
    ).toEqual({
      n: { $bigint: '10' },
      d: { $date: '1970-01-01T00:00:00.000Z' },
      m: { $map: [[1, 'a']] },
      s: { $set: [1] },
      b: { $bytes: '01' },
      u: { $undefined: true },
      x: { $number: 'NaN' },
    });
  });
});
