import { type Codec, encodingError } from '@scoped-lmdb/core';
import { Encoder, type Options } from 'cbor-x';

/**
 * CBOR values on cbor-x. One `Encoder` per codec; options pass through (with none,
 * cbor-x's defaults: `Map`, `Date`, `Uint8Array`, `Set` and bigint round-trip).
 */
export function cbor<T = unknown>(options?: Options): Codec<T> {
  // copyBuffers: a decoded Uint8Array must not be a view of LMDB's reused buffer.
  const encoder = new Encoder({ copyBuffers: true, ...options });
  return {
    name: 'cbor',
    encode(value) {
      try {
        return encoder.encode(value);
      } catch (error) {
        throw encodingError('cbor', 'encode', error);
      }
    },
    decode(bytes) {
      try {
        return encoder.decode(bytes) as T;
      } catch (error) {
        throw encodingError('cbor', 'decode', error);
      }
    },
  };
}
