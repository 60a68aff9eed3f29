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
    if (typeof value?.x !== 'number' || typeof value?.y !== 'number') throw encodingError('point-f64x2', 'encode', new TypeError('not a point'));
    return new Uint8Array(Float64Array.of(value.x, value.y).buffer);
  },
  decode(bytes) {
    if (bytes.length !== 16) throw encodingError('point-f64x2', 'decode', new RangeError(`expected 16 bytes, got ${bytes.length}`));
    const [x, y] = new Float64Array(bytes.slice().buffer); // copy first: LMDB reuses its buffer
    return { x: x as number, y: y as number };
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
