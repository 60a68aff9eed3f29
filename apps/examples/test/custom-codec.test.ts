// The example's codec through the shared contract suite, as a library author would run it.
import { codecContractSuite } from '@scoped-lmdb/test-suite/codec';
import { pointCodec } from '../src/custom-codec.js';

codecContractSuite(pointCodec, {
  name: 'point-f64x2',
  samples: [
    { x: 0, y: 0 },
    { x: -1.5, y: 1e300 },
  ],
  unencodable: [null, { x: 1 }, 'point'],
  corrupted: [new Uint8Array(15), new Uint8Array(0)],
});
