import { type Codec, encodingError } from '@scoped-lmdb/core';
import { type Options, Packr } from 'msgpackr';

/**
 * MessagePack values on msgpackr. One `Packr` per codec; options pass through (with
 * none, msgpackr's defaults: `Map`, `Date`, `Uint8Array` and bigint round-trip).
 *
 * For speed on many records of one shape, pass shared `structures` (and a
 * `saveStructures`/`getStructures` pair to persist them), as msgpackr documents.
 */
export function msgpack<T = unknown>(options?: Options): Codec<T> {
  // msgpackr's default mode leaves earlier results intact (lmdb-js may still read them).
  // copyBuffers: a decoded Uint8Array must not be a view of LMDB's reused buffer.
  const packr = new Packr({ copyBuffers: true, ...options });
  return {
    name: 'msgpack',
    encode(value) {
      try {
        return packr.pack(value);
      } catch (error) {
        throw encodingError('msgpack', 'encode', error);
      }
    },
    decode(bytes) {
      try {
        return packr.unpack(bytes) as T;
      } catch (error) {
        throw encodingError('msgpack', 'decode', error);
      }
    },
  };
}
