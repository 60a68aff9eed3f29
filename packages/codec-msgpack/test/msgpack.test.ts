import { codecContractSuite, jsonSamples, richSamples } from '@scoped-lmdb/test-suite/codec';
import { msgpack } from '../src/index.js';

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

codecContractSuite(msgpack(), {
  name: 'msgpack',
  samples: [...jsonSamples, ...richSamples],
  unencodable: [cyclic],
  corrupted: [new Uint8Array([0x92, 0x01]), new Uint8Array([0xdc, 0xff, 0xff]), new Uint8Array([0xd9])],
});

codecContractSuite(msgpack({ useRecords: false, mapsAsObjects: true }), {
  name: 'msgpack',
  samples: jsonSamples,
});
