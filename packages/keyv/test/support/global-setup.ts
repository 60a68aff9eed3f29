import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PID_FILE, requireRedisServer } from '@scoped-lmdb/redis/local-servers';

/** Stops, by PID, any redis-server a test file started and did not stop (a crashed worker, a timeout). */
function stopLeftovers(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, entry.name, PID_FILE), 'utf8'));
    } catch {
      continue;
    }
    try {
      // The PID may have been reused since: only stop it if it is still a redis-server.
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** The Redis half of the tests needs redis-server: fail the run at once without it, and clean up after it. */
export default async function setup(): Promise<() => void> {
  await requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'scoped-keyv-test-'));
  process.env.SCOPED_REDIS_RUN_DIR = dir;
  return () => {
    stopLeftovers(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
