// zod 3.25+ ships zod 4 at `zod/v4`. In an app with zod 3 installed, `zod/v4/core` (what this
// package imports) is zod 3.25's copy; here the workspace has zod 4 as `zod`, so point the
// import at zod 3.25's core for this file, as the app would have it.
import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { describe, expect, it, vi } from 'vitest';
import * as core from 'zod/v4/core';
import { z as zod3classic } from 'zod3';
import { z } from 'zod3/v4';
import { standardSchemaCodec, zodCodec } from '../src/index.js';
import { tempEnv, type Z } from './helpers.js';
import { roundTripTable } from './round-trip-table.js';
import { validationSuite } from './validation-suite.js';

vi.mock('zod/v4/core', () => import('zod3/v4/core'));

// The suites are typed with zod 4's classic API; zod 3.25's zod/v4 has the same one at run time.
const z3 = z as unknown as Z;

describe('this file really runs on zod 3.25', () => {
  it('zod/v4/core is zod 3.25 here', async () => {
    const { version } = (await import('zod3/package.json', { with: { type: 'json' } })).default as { version: string };
    expect(version).toMatch(/^3\.25\./);
    // The very module zod 3.25 builds its zod/v4 schemas on, not zod 4's.
    expect(core.$ZodType).toBe((await import('zod3/v4/core')).$ZodType);
    expect(core.$ZodType).not.toBe((await vi.importActual<typeof import('zod/v4/core')>('zod/v4/core')).$ZodType);
    expect(core.safeParse(z.string() as never, 'x')).toEqual({ success: true, data: 'x' });
  });
});

validationSuite(z3, 'zod 3.25 (zod/v4)');
roundTripTable(z3, 'zod 3.25 (zod/v4)', 3);

describe('zod 3 classic schemas', () => {
  const User = zod3classic.object({ name: zod3classic.string(), joined: zod3classic.date() });

  it('zodCodec refuses them with INVALID_INPUT: they go through standardSchemaCodec', () => {
    expect(() => zodCodec(User as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('zod 3 schema'),
      }),
    );
    expect(() => zodCodec(User as never)).toThrow(/pass it to standardSchemaCodec \(zod >= 3\.24 implements Standard Schema\)/);
  });

  it('standardSchemaCodec takes them; each value is checked on write against the inner codec', async () => {
    const codec = standardSchemaCodec(zod3classic.object({ name: zod3classic.string().default('anon') }));
    expect(codec.decode(codec.encode({}))).toEqual({ name: 'anon' });
    // A zod 3 schema is opaque (not a zod 4 definition): the Date is found on write, not at construction.
    const dated = standardSchemaCodec(User);
    expect(() => dated.encode({ name: 'a', joined: new Date(0) })).toThrow(
      expect.objectContaining({ code: 'ENCODING', message: expect.stringContaining('standardSchemaCodec: field "joined" holds a Date') }),
    );
    const { cbor } = await import('@scoped-lmdb/codec-cbor');
    const users = scopedDatabaseOptions(tempEnv())
      .types(codecs.string(), standardSchemaCodec(User, { inner: cbor(), validateOnRead: true }))
      .name('users')
      .create();
    users.putSync('t', 'a', { name: 'a', joined: new Date(3) });
    expect(users.get('t', 'a')).toEqual({ name: 'a', joined: new Date(3) });
  });
});
