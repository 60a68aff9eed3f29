// A library author's codec: a plain object, no registration. The contract suite runs on it
// in this app's tests (test/custom-codec.test.ts).
import { type Codec, codecs, encodingError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { heading, openExampleEnv } from './shared.js';

/** Points as 16 bytes: two float64, little-endian. */
export interface Point {
  x: number;
  y: number;
}

export const pointCodec: Codec<Point> = {
  name: 'point-f64x2',
  encode(value) {
    if (typeof value?.x !== 'number' || typeof value?.y !== 'number')
      throw encodingError('point-f64x2', 'encode', new TypeError('not a point'));
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setFloat64(0, value.x, true);
    view.setFloat64(8, value.y, true);
    return bytes;
  },
  decode(bytes) {
    if (bytes.length !== 16) throw encodingError('point-f64x2', 'decode', new RangeError(`expected 16 bytes, got ${bytes.length}`));
    // `bytes` is a window into a buffer LMDB reuses: read at its own offset and keep nothing.
    const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
    return { x: view.getFloat64(0, true), y: view.getFloat64(8, true) };
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { env, close } = openExampleEnv('custom-codec');
  const places = scopedDatabaseOptions(env).types(codecs.string(), pointCodec).name('places').create();
  heading('A custom codec in a scoped database');
  places.putSync('map-1', 'home', { x: 1.5, y: -2 });
  places.putSync('map-2', 'home', { x: 100, y: 200 });
  console.log('map-1 home:', places.get('map-1', 'home'));
  console.log('map-2 home:', places.get('map-2', 'home'));
  try {
    places.putSync('map-1', 'nowhere', { x: 'north' } as never);
  } catch (error) {
    console.log(`a bad point is refused with ${(error as { code?: string }).code}`);
  }
  await close();
  console.log('\ndone');
}
