import { describe, expect, it } from 'vitest';

/**
 * The soak itself is opt-in (`npm run soak -- --seconds N`). This short run keeps its model
 * and its checks from rotting: a few seconds across 200 scopes must agree with the model.
 */
describe('soak (short run)', () => {
  it('agrees with the in-memory model for a few seconds of mixed operations', async () => {
    const { runSoak } = await import('../src/soak.js');
    const lines: string[] = [];
    const result = await runSoak({ seconds: 4, scopes: 200, reportEvery: 1, seed: 20_240_601, log: (line) => lines.push(line) });
    expect(result.ops).toBeGreaterThan(1000);
    // Every kind of operation ran, including the rolled-back transactions and registry listings.
    for (const kind of [
      'put',
      'putSync',
      'remove',
      'removeSync',
      'get',
      'getMany',
      'range',
      'clearSync',
      'transaction',
      'transactionSync',
      'transactionSync-rolledBack',
    ]) {
      expect(result.opsByKind[kind], kind).toBeGreaterThan(0);
    }
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/ops\/s {2}rss \d+ MB/);
  }, 30_000);
});
