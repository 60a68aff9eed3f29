/**
 * Behaviour every backend shares, written once against core's async contract and composed
 * here from one file per group (groups/). Each test opens its own database name, so no test
 * depends on another's data.
 */
import { describe } from 'vitest';
import type { ScopedDatabaseSuiteOptions } from './backend.js';
import { suiteContext } from './context.js';
import { badInputGroup } from './groups/bad-input.js';
import { codecErrorsGroup } from './groups/codec-errors.js';
import { isolationGroup } from './groups/isolation.js';
import { orderGroup } from './groups/order.js';
import { rangesGroup } from './groups/ranges.js';
import { readsWritesGroup } from './groups/reads-writes.js';
import { viewsGroup } from './groups/views.js';

/**
 * Registers the behaviour every scoped-database backend shares as vitest tests, under
 * `describe(label)`. Call it at the top level of a test file, once per backend:
 *
 *   describeScopedDatabase('my backend', { open: () => openMine(), supports: { ... } });
 */
export function describeScopedDatabase(label: string, options: ScopedDatabaseSuiteOptions): void {
  describe(`scoped database: ${label}`, () => {
    const ctx = suiteContext(options.open, options.supports);
    isolationGroup(ctx);
    // A backend without views gets no test that needs one (Supports.views).
    if (options.supports.views) viewsGroup(ctx);
    orderGroup(ctx);
    rangesGroup(ctx);
    readsWritesGroup(ctx);
    badInputGroup(ctx);
    codecErrorsGroup(ctx);
  });
}
