import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const examplesDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs an example the way its npm script does, in quick mode. */
function run(example: string) {
  const result = spawnSync(process.execPath, ['--conditions=@scoped-lmdb/source', '--import', 'tsx', `src/${example}.ts`, '--quick'], {
    cwd: examplesDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('examples run and show what they claim', () => {
  it('multi-tenant', () => {
    const { code, out } = run('multi-tenant');
    expect(code, out).toBe(0);
    expect(out).toContain('rejected with VALIDATION');
    expect(out).toContain("acme order-001 is still { item: 'keyboard', qty: 1, status: 'open' }");
    expect(out).toContain('cleared 3 orders from globex');
    expect(out).toMatch(/initech: 4 orders\n/);
    // Usage per tenant, a quota rejection that wrote nothing, and usage after the clear.
    expect(out).toMatch(/== Per-tenant usage, kept with every write\nacme: 3 entries, \d+ bytes\n/);
    expect(out).toContain('rejected with QUOTA_EXCEEDED: write to "orders" refused: scope "initech" would hold 5 entries (quota 4)');
    expect(out).toContain('initech order-005 is undefined (initech holds 4 entries)');
    expect(out).toContain('globex: 0 entries, 0 bytes');
  });

  it('scope-management', () => {
    const { code, out } = run('scope-management');
    expect(code, out).toBe(0);
    expect(out).toContain('scopes with orders:   tenant-a, tenant-b');
    expect(out).toContain('pruned: tenant-a, tenant-d');
    expect(out).toContain('refused: INVALID_INPUT');
  });

  it('performance', () => {
    const { code, out } = run('performance');
    expect(code, out).toBe(0);
    expect(out).toMatch(/\| rawBytes\(\) \| [\d,]+ \| [\d,]+ \| [\d,]+ \|/);
  });

  it('parallel-processing', () => {
    const { code, out } = run('parallel-processing');
    expect(code, out).toBe(0);
    expect(out.match(/present, in order/g)).toHaveLength(8);
    expect(out).toContain('every write of every writer is there');
  });

  it('redis-cluster', () => {
    const { code, out } = run('redis-cluster');
    expect(code, out).toBe(0);
    expect(out).toMatch(/Redis Cluster: 3 masters on 127\.0\.0\.1 ports \d+, \d+, \d+\n/);
    expect(out).toContain('rejected with VALIDATION');
    expect(out).toContain("acme order-001 is still { item: 'keyboard', qty: 1, status: 'open' }");
    expect(out).toContain('acme orders from order-002: order-002 (monitor), order-003 (acme mug)');
    expect(out).toContain('cleared 3 orders from globex');
    expect(out).toContain('globex: 0 orders (empty)');
    expect(out).toMatch(/initech: 3 orders\n/);
    expect(out).toContain('4 named scopes on 3 of 3 masters');
    expect(out).toContain('pruned empty scopes: globex');
    expect(out).toMatch(/\ndone\n/);
    // The script stopped its servers: none of the ports it printed still answers.
    const ports = out.match(/ports (\d+), (\d+), (\d+)/)?.slice(1) ?? [];
    for (const port of ports) {
      expect(spawnSync('redis-cli', ['-p', port, 'ping'], { encoding: 'utf8' }).stdout.trim()).not.toBe('PONG');
    }
  });

  it('tenant-offboarding', () => {
    const { code, out } = run('tenant-offboarding');
    expect(code, out).toBe(0);
    expect(out).toContain('tenant-leaving: 20,000 orders, 1 user');
    expect(out).toMatch(/dropped in [\d.]+ ms; left to see: 0 orders and 0 users/);
    expect(out).toContain('waiting for reclaim: 20,001 entries');
    expect(out).toContain('reclaimed 20,001 entries; tenant-staying has 101 orders');
    expect(out).toContain('tenant-leaving: order-new');
  });

  it('blue-green', () => {
    const { code, out } = run('blue-green');
    expect(code, out).toBe(0);
    expect(out).toContain('copied 3; live: cake 5, coffee 4, tea 3');
    expect(out).toContain('next: coffee 4.5, scone 2, tea 3');
    expect(out).toContain('live: coffee 4.5, scone 2, tea 3\nprevious, kept for a rollback: cake 5, coffee 4, tea 3');
    expect(out).toContain('previous dropped (3 entries to reclaim)');
  });

  it('custom-codec', () => {
    const { code, out } = run('custom-codec');
    expect(code, out).toBe(0);
    expect(out).toContain('map-2 home: { x: 100, y: 200 }');
    expect(out).toContain('refused with ENCODING');
  });
});
