// The suite is only worth running if each of its checks fails on a codec that breaks that part
// of the contract. Every broken codec below is one real mistake; its healthy twin must pass.
import { type Codec, codecs, encodingError, ScopedDbError } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import {
  checkDecodeCopies,
  checkEncodedBytesKept,
  checkName,
  checkOrder,
  checkRefusesBytes,
  checkRefusesValues,
  checkRoundTrip,
} from '../../src/codec/checks.js';

const text = codecs.string() as Codec<unknown>;
const samples = ['first', 'second value', 'unicode 租户'];
const fails = (run: () => void) => expect(run).toThrow();

/** A bytes codec whose decode returns what it was given, as `codecs.bytes()` would without its copy. */
const aliasingBytes: Codec<unknown> = { name: 'aliasing', encode: (value) => value as Uint8Array, decode: (bytes) => bytes };

describe('checkDecodeCopies', () => {
  const byteSamples = [new Uint8Array([1, 2, 3]), new Uint8Array([200, 201])];

  it('catches a decode that returns a view of its input', () => {
    fails(() => checkDecodeCopies(aliasingBytes, byteSamples));
    checkDecodeCopies(codecs.bytes() as Codec<unknown>, byteSamples);
  });

  it('catches `bytes.slice().buffer`, which reads the wrong memory when given a Buffer window', () => {
    // Buffer#slice is a view, so `.buffer` is the whole underlying allocation.
    const sliceThenBuffer: Codec<unknown> = {
      name: 'slice-buffer',
      encode: (value) => new Uint8Array(Float64Array.of(value as number).buffer),
      decode: (bytes) => new Float64Array(bytes.slice().buffer)[0],
    };
    const copyThenBuffer: Codec<unknown> = {
      ...sliceThenBuffer,
      decode: (bytes) => new Float64Array(Uint8Array.from(bytes).buffer)[0],
    };
    fails(() => checkDecodeCopies(sliceThenBuffer, [1.5, -2]));
    checkDecodeCopies(copyThenBuffer, [1.5, -2]);
  });
});

describe('checkEncodedBytesKept', () => {
  it('catches an encoder that writes every result into one reused buffer', () => {
    const scratch = new Uint8Array(64);
    const utf8 = new TextEncoder();
    const reusing: Codec<unknown> = {
      name: 'reusing',
      encode: (value) => scratch.subarray(0, utf8.encodeInto(value as string, scratch).written),
      decode: (bytes) => new TextDecoder().decode(bytes),
    };
    fails(() => checkEncodedBytesKept(reusing, samples));
    checkEncodedBytesKept(text, samples);
  });
});

describe('checkRoundTrip', () => {
  it('catches a lossy codec and an encode that returns no bytes', () => {
    const lossy: Codec<unknown> = { ...text, decode: (bytes) => (text.decode(bytes) as string).toLowerCase() };
    const noBytes: Codec<unknown> = { ...text, encode: (value) => [...(text.encode(value) as Uint8Array)] as never };
    fails(() => checkRoundTrip(lossy, ['MiXeD']));
    fails(() => checkRoundTrip(noBytes, ['a']));
    checkRoundTrip(text, ['MiXeD']);
  });
});

describe('checkName', () => {
  it('catches an empty name, an unexpected name and a name that changes with use', () => {
    let calls = 0;
    const drifting: Codec<unknown> = {
      get name() {
        return `string-v${calls}`;
      },
      encode: (value) => {
        calls++;
        return text.encode(value);
      },
      decode: (bytes) => text.decode(bytes),
    };
    fails(() => checkName(drifting, samples));
    fails(() => checkName({ ...text, name: '' }, samples));
    fails(() => checkName(text, samples, 'utf8'));
    checkName(text, samples, 'string');
  });
});

describe('checkRefusesValues and checkRefusesBytes', () => {
  const lenient: Codec<unknown> = {
    name: 'lenient',
    encode: (value) => new TextEncoder().encode(String(value)),
    decode: (bytes) => new TextDecoder().decode(bytes),
  };
  const rawErrors: Codec<unknown> = {
    name: 'raw-errors',
    encode: () => {
      throw new TypeError('not encodable');
    },
    decode: () => {
      throw new RangeError('corrupt');
    },
  };

  it('catches a codec that accepts what it cannot encode, or throws a plain error', () => {
    fails(() => checkRefusesValues(lenient, [42], 'ENCODING'));
    fails(() => checkRefusesValues(rawErrors, [42], 'ENCODING'));
    checkRefusesValues(text, [42], 'ENCODING');
  });

  it('catches a codec that decodes garbage without complaint, or throws a plain error', () => {
    const garbage = [new Uint8Array([0xff, 0xfe])];
    fails(() => checkRefusesBytes(lenient, garbage, 'ENCODING'));
    fails(() => checkRefusesBytes(rawErrors, garbage, 'ENCODING'));
    checkRefusesBytes(text, garbage, 'ENCODING');
  });

  it('wants the expected code, and issues on VALIDATION', () => {
    fails(() => checkRefusesValues(text, [42], 'VALIDATION'));
    const issueless: Codec<unknown> = {
      ...text,
      encode: () => {
        throw new ScopedDbError('VALIDATION', 'invalid');
      },
    };
    const withIssues: Codec<unknown> = {
      ...text,
      encode: () => {
        throw new ScopedDbError('VALIDATION', 'invalid', { issues: [{ message: 'too short' }] });
      },
    };
    fails(() => checkRefusesValues(issueless, [42], 'VALIDATION'));
    checkRefusesValues(withIssues, [42], 'VALIDATION');
  });

  it('accepts an error from another copy of core, by its shape', () => {
    const foreign = Object.assign(new Error('bad'), { name: 'ScopedDbError', code: 'ENCODING' });
    const otherCopy: Codec<unknown> = {
      ...text,
      encode: () => {
        throw foreign;
      },
    };
    checkRefusesValues(otherCopy, [42], 'ENCODING');
  });
});

describe('checkOrder', () => {
  it('catches an `ordered` codec whose bytes sort unlike its values', () => {
    const littleEndian: Codec<unknown> = {
      name: 'u16le',
      ordered: true,
      encode: (value) => Uint8Array.of((value as number) & 0xff, (value as number) >> 8),
      decode: (bytes) => (bytes[0] as number) | ((bytes[1] as number) << 8),
    };
    const bigEndian: Codec<unknown> = {
      ...littleEndian,
      encode: (value) => Uint8Array.of((value as number) >> 8, (value as number) & 0xff),
    };
    fails(() => checkOrder(littleEndian, [1, 256]));
    checkOrder(bigEndian, [1, 256]);
  });

  it('catches equal encodings of different values', () => {
    const truncating: Codec<unknown> = { ...text, encode: (value) => text.encode((value as string).slice(0, 2)) };
    fails(() => checkOrder(truncating, ['abc', 'abd']));
  });
});

// A custom codec that throws through `encodingError` is what the README teaches: it passes.
it('a codec reporting through encodingError passes the refusal checks', () => {
  const strict: Codec<unknown> = {
    name: 'strict',
    encode: (value) => {
      throw encodingError('strict', 'encode', new TypeError(`no ${typeof value}`));
    },
    decode: () => {
      throw encodingError('strict', 'decode', new RangeError('no bytes'));
    },
  };
  checkRefusesValues(strict, [1], 'ENCODING');
  checkRefusesBytes(strict, [new Uint8Array(1)], 'ENCODING');
});
