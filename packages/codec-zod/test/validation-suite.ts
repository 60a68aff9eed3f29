// The validation behaviour of zodCodec, run for zod 4 and for zod 3.25's `zod/v4`
// (test/zod4.test.ts, test/zod3.test.ts): the same schemas through whichever zod core is loaded.
import { msgpack } from '@scoped-lmdb/codec-msgpack';
import { codecs, isScopedDbError, type ScopedDbError, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { $ZodError } from 'zod/v4/core';
import { zodCodec } from '../src/index.js';
import { tempEnv, type Z } from './helpers.js';

const code = (code: string) => expect.objectContaining({ name: 'ScopedDbError', code });

function catchError(run: () => unknown): ScopedDbError {
  try {
    run();
  } catch (error) {
    if (isScopedDbError(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

export function validationSuite(z: Z, zodLabel: string): void {
  const User = z.object({
    name: z.string().min(1),
    age: z.number().int().nonnegative(),
    role: z.enum(['admin', 'member']).default('member'),
  });

  describe(`${zodLabel}: zodCodec validates`, () => {
    it('stores the parsed output: defaults filled, unknown keys stripped', () => {
      const codec = zodCodec(User);
      const stored = JSON.parse(Buffer.from(codec.encode({ name: 'Ada', age: 36, extra: true } as never)).toString());
      expect(stored).toEqual({ name: 'Ada', age: 36, role: 'member' });
    });

    it('puts zod issues on error.issues and the zod error on cause', () => {
      const error = catchError(() => zodCodec(User).encode({ name: '', age: -1 }));
      expect(error.code).toBe('VALIDATION');
      expect(error.issues).toHaveLength(2);
      expect(error.issues?.[0]).toMatchObject({ path: ['name'] });
      // Parsed with zod/v4/core's safeParse: a $ZodError (classic's ZodError is one too, not the reverse).
      expect(error.cause).toBeInstanceOf($ZodError);
      expect(error.message).toContain('name');
    });

    it('validates on read only when asked', () => {
      const bad = codecs.json().encode({ name: 'x' });
      expect(zodCodec(User).decode(bad)).toEqual({ name: 'x' });
      expect(() => zodCodec(User, { validateOnRead: true }).decode(bad)).toThrow(code('VALIDATION'));
    });

    it('wraps the inner codec name', () => {
      expect(zodCodec(User).name).toBe('zod(json)');
      expect(zodCodec(User, { inner: msgpack() }).name).toBe('zod(msgpack)');
    });

    it('refuses an async refinement with INVALID_INPUT (LMDB writes are synchronous)', () => {
      const Async = z.object({ name: z.string() }).refine(async () => true);
      expect(() => zodCodec(Async).encode({ name: 'a' })).toThrow(code('INVALID_INPUT'));
    });

    it('a refinement that throws, even mentioning a promise, is VALIDATION', () => {
      const throwing = z.string().refine(() => {
        throw new Error('the promise of a valid value was broken');
      });
      expect(catchError(() => zodCodec(throwing).encode('x')).code).toBe('VALIDATION');
    });

    it('through a database: a defaulted field may be left out on write, reads give the output', async () => {
      const users = scopedDatabaseOptions(tempEnv())
        .types(codecs.string(), zodCodec(User, { validateOnRead: true }))
        .name('users')
        .create();
      users.putSync('tenant-a', 'ada', { name: 'Ada', age: 36 });
      await users.put('tenant-a', 'bob', { name: 'Bob', age: 7, role: 'admin' });
      expect(users.get('tenant-a', 'ada')).toEqual({ name: 'Ada', age: 36, role: 'member' });
      expect(users.get('tenant-a', 'bob')).toEqual({ name: 'Bob', age: 7, role: 'admin' });
      expect(() => users.putSync('tenant-a', 'ada', { name: '', age: 36 })).toThrow(code('VALIDATION'));
      await expect(users.put('tenant-a', 'bad', { name: 'x', age: -3 })).rejects.toEqual(code('VALIDATION'));
      expect(users.get('tenant-a', 'ada')).toEqual({ name: 'Ada', age: 36, role: 'member' });
      expect(users.getCount('tenant-a')).toBe(2);
    });

    it('a Date schema round-trips with the cbor inner, also validated on read', async () => {
      const { cbor } = await import('@scoped-lmdb/codec-cbor');
      const Event = z.object({ at: z.date(), tags: z.map(z.string(), z.number()) });
      const events = scopedDatabaseOptions(tempEnv())
        .types(codecs.string(), zodCodec(Event, { inner: cbor(), validateOnRead: true }))
        .name('events')
        .create();
      events.putSync('t', 'e', { at: new Date(5), tags: new Map([['a', 1]]) });
      const back = events.get('t', 'e');
      expect(back?.at).toBeInstanceOf(Date);
      expect(back?.at.getTime()).toBe(5);
      expect(back?.tags).toEqual(new Map([['a', 1]]));
    });
  });
}
