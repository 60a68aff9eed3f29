import { codecs, type OrderedKey } from '@scoped-lmdb/core';
import { codecContractSuite, jsonSamples } from '../../src/codec/index.js';

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

codecContractSuite(codecs.bytes(), {
  name: 'bytes',
  samples: [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(5000).fill(7)],
  unencodable: ['text', 42, null, [1, 2]],
  orderedSamples: [new Uint8Array([0]), new Uint8Array([0, 0]), new Uint8Array([1]), new Uint8Array([255])],
});

codecContractSuite(codecs.string(), {
  name: 'string',
  samples: ['', 'a', 'unicode: 租户 🙂', 'x'.repeat(10_000)],
  unencodable: [42, null, {}, '\uD800'],
  corrupted: [new Uint8Array([0xff, 0xfe]), new Uint8Array([0xc3])],
  orderedSamples: ['a', 'aa', 'ab', 'b', 'é'],
});

codecContractSuite(codecs.json(), {
  name: 'json',
  samples: jsonSamples,
  unencodable: [undefined, 10n, cyclic, () => 1],
  corrupted: [new Uint8Array([0x7b]), new Uint8Array([0xff]), new TextEncoder().encode('{"a":')],
});

codecContractSuite(codecs.key<OrderedKey>(), {
  name: 'ordered-binary',
  samples: ['text', 'unicode 租户', 0, -5, 3.25, 1e21, true, false, null, ['user', 42], 12345678901234567890n],
  unencodable: [{}, new Date(), Number.NaN, [[1]], () => 1],
  corrupted: [new Uint8Array(0)],
  orderedSamples: [null, false, true, -100, -1.5, 0, 2, 10, 1000, 'a', 'aa', 'ab', 'b'],
});
