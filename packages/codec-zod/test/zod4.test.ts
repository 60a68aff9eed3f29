import { codecs, scopedDatabaseOptions } from '@scoped-lmdb/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { zodCodec } from '../src/index.js';
import { tempEnv } from './helpers.js';
import { validationSuite } from './validation-suite.js';

validationSuite(z, 'zod 4');

describe('zod 4 mini', () => {
  const User = zm.object({ name: zm.string().check(zm.minLength(1)), role: zm._default(zm.enum(['admin', 'member']), 'member') });

  it('validates, fills defaults and goes through a database', () => {
    const users = scopedDatabaseOptions(tempEnv())
      .types(codecs.string(), zodCodec(User, { validateOnRead: true }))
      .name('users')
      .create();
    users.putSync('t', 'ada', { name: 'Ada' });
    expect(users.get('t', 'ada')).toEqual({ name: 'Ada', role: 'member' });
    expect(() => users.putSync('t', 'x', { name: '' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});
