// The README's custom codec, run through the suite exactly as a library author would.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { codecContractSuite } from '../../src/codec/index.js';
import { epochMillis } from './fixtures/epoch-millis.js';

codecContractSuite(epochMillis, {
  name: 'epoch-millis',
  samples: [new Date(0), new Date('2026-11-24T12:34:56.789Z'), new Date(-8.64e15), new Date(8.64e15)],
  unencodable: [new Date(Number.NaN), '2026-11-24', 1732451696789, null],
  corrupted: [new Uint8Array(7), new Uint8Array(9), new Uint8Array(0)],
});

it('the package README and the root README show this very codec', () => {
  const source = readFileSync(new URL('./fixtures/epoch-millis.ts', import.meta.url), 'utf8');
  for (const readme of ['../../README.md', '../../../../README.md']) {
    expect(readFileSync(new URL(readme, import.meta.url), 'utf8'), readme).toContain(source);
  }
});
