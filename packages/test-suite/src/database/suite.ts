/**
 * Behaviour every backend shares, written once against core's async contract and composed
 * here from one file per group (groups/). Each test opens its own database name, so no test
 * depends on another's data.
 */
import { describe } from 'vitest';
import type { ScopedDatabaseSuiteOptions } from './backend.js';
import { edgeScopes, type ScopeRun, type SuiteContext, scopeRun, suiteContext } from './context.js';
import { badDatabasesGroup, badKeysAndValuesGroup, badScopesGroup } from './groups/bad-input.js';
import { codecErrorsGroup, codecMessagesGroup } from './groups/codec-errors.js';
import { emptyKeysGroup } from './groups/empty-keys.js';
import { isolationGroup } from './groups/isolation.js';
import { lifecycleGroup } from './groups/lifecycle.js';
import { orderGroup } from './groups/order.js';
import { rangeClearGroup } from './groups/range-clear.js';
import { rangesGroup } from './groups/ranges.js';
import { rangesUnderWritesGroup } from './groups/ranges-under-writes.js';
import { readsWritesGroup } from './groups/reads-writes.js';
import { snapshotsGroup } from './groups/snapshots.js';
import { statsGroup } from './groups/stats.js';
import { syncGroup } from './groups/sync.js';
import { transactionsGroup } from './groups/transactions.js';
import { viewsGroup } from './groups/views.js';
import { writeOrderGroup } from './groups/write-order.js';

/** The groups that work in one scope: they run once per scope run. */
function singleScopeGroups(ctx: SuiteContext, run: ScopeRun): void {
  orderGroup(ctx, run);
  rangesGroup(ctx, run);
  rangesUnderWritesGroup(ctx, run);
  readsWritesGroup(ctx, run);
  writeOrderGroup(ctx, run);
  transactionsGroup(ctx, run);
  badKeysAndValuesGroup(ctx, run);
  codecErrorsGroup(ctx, run);
  // The optional features (Supports): a backend without one gets the old behaviour's tests only.
  if (ctx.supports.rangeClear) rangeClearGroup(ctx, run);
  if (ctx.supports.emptyKeys && !run.scope.isDefault) emptyKeysGroup(ctx, run);
  // A backend without core's sync API gets no test that needs it (Supports.sync).
  if (ctx.supports.sync) syncGroup(ctx, run);
  if (ctx.supports.sync && ctx.supports.snapshots) snapshotsGroup(ctx, run);
}

/**
 * Registers the behaviour every scoped-database backend shares as vitest tests, under
 * `describe(label)`. Call it at the top level of a test file, once per backend:
 *
 *   describeScopedDatabase('my backend', { open: () => openMine(), supports: { ... } });
 */
export function describeScopedDatabase(label: string, options: ScopedDatabaseSuiteOptions): void {
  const { supports } = options;
  describe(`scoped database: ${label}`, () => {
    const ctx = suiteContext(options.open, supports);
    // Groups that span scopes or databases, on the database's own methods.
    isolationGroup(ctx);
    // A backend without views gets no test that needs one (Supports.views).
    if (supports.views) viewsGroup(ctx);
    badScopesGroup(ctx);
    badDatabasesGroup(ctx);
    codecMessagesGroup(ctx);
    // Stats (Supports.stats) and the scope lifecycle with quotas (Supports.lifecycle, with stats).
    if (supports.stats) statsGroup(ctx);
    if (supports.lifecycle) lifecycleGroup(ctx);
    // The single-scope groups: first on the database's scope-first methods, in a named scope;
    singleScopeGroups(ctx, scopeRun('tenant', false));
    // then again in the default scope and on scopes whose ids end in ff and ffff (an upper
    // bound that carries), through the backend's views where it has them.
    const { endsWithFF, endsWithFFFF } = edgeScopes();
    for (const [scope, why] of [
      [null, 'the default scope'],
      [endsWithFF, 'its id ends in ff'],
      [endsWithFFFF, 'its id ends in ffff'],
    ] as const) {
      const where = supports.views ? `through db.scope(${JSON.stringify(scope)})` : `in scope ${JSON.stringify(scope)}`;
      describe(`again, ${where}: ${why}`, () => singleScopeGroups(ctx, scopeRun(scope, supports.views)));
    }
  });
}
