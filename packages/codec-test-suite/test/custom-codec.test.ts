// The README's custom codec, run through the suite exactly as a library author would.
import { type Codec, encodingError } from '@scoped-lmdb/core';
import { codecContractSuite } from '../src/index.js';

const utf16: Codec<string> = {
  name: 'utf16',
  encode(value) {
    if (typeof value !== 'string') throw encodingError('utf16', 'encode', new TypeError('not a string'));
    return new Uint8Array(Uint16Array.from(value, (_, i) => value.charCodeAt(i)).buffer);
  },
  decode(bytes) {
    if (bytes.length % 2) throw encodingError('utf16', 'decode', new RangeError('odd length'));
    return String.fromCharCode(...new Uint16Array(bytes.slice().buffer));
  },
};

codecContractSuite(utf16, {
  name: 'utf16',
  samples: ['', 'plain', 'unicode 租户'],
  unencodable: [42, null],
  corrupted: [new Uint8Array([1])],
});
