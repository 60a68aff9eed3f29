import { codecContractSuite, jsonSamples, richSamples } from '@scoped-lmdb/test-suite/codec';
import { cbor } from '../src/index.js';

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

codecContractSuite(cbor(), {
  name: 'cbor',
  samples: [...jsonSamples, ...richSamples, new Set([1, 'two'])],
  unencodable: [cyclic],
  corrupted: [new Uint8Array([0xff]), new Uint8Array([0x9f]), new Uint8Array([0x5a, 0xff, 0xff, 0xff, 0xff])],
});
