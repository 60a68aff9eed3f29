/**
 * Local Redis servers for development, tests, examples and benchmarks: a
 * replica-less cluster of N masters or a single instance, each in its own temp dir
 * on free 127.0.0.1 ports, stopped by PID. Not for production: nothing here is
 * hardened, and it needs `redis-server` and `redis-cli` on the PATH.
 *
 * Every server writes its PID to `<dir>/redis-server.pid`, under `runDir` (or
 * SCOPED_REDIS_RUN_DIR, or `<tmp>/scoped-redis-local`), so a supervisor such as a
 * test runner's global teardown can stop what a crashed process left behind.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A redis-server process started here, on 127.0.0.1. */
export interface RedisServer {
  /** Its port on 127.0.0.1 (a free one, chosen at start). */
  readonly port: number;
  /** Its temp dir: config, AOF, cluster config and PID file. */
  readonly dir: string;
  /** Its process id (stopped by it, never by name). */
  readonly pid: number;
  /** SIGKILL: a crash, no chance to flush anything the config did not already fsync. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and dir (it reloads its AOF and cluster config). */
  restart(): Promise<void>;
  /** Stops the server by its PID (SIGKILL: its data is thrown away) and removes its dir. */
  stop(): Promise<void>;
}

/** The file, inside a server's dir, that holds its PID. */
export const PID_FILE = 'redis-server.pid';

/** How `startSingle`, `startServer` and `startCluster` configure their servers. */
export interface LocalServerOptions {
  /**
   * The AOF fsync policy. Default `always`: every acknowledged write is on disk
   * before the reply, so a killed server loses nothing it acknowledged (and writes
   * pay an fsync per event-loop turn). Redis's own default is `everysec`.
   */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Parent of the servers' temp dirs; default SCOPED_REDIS_RUN_DIR or `<tmp>/scoped-redis-local`. */
  runDir?: string;
}

/** A Redis Cluster of local masters, every slot assigned. */
export interface RedisCluster {
  /** Its masters. */
  readonly servers: readonly RedisServer[];
  /** Where ioredis's `Cluster` should connect: one entry per master. */
  readonly nodes: readonly {
    /** Always `127.0.0.1`. */
    host: string;
    /** The master's port. */
    port: number;
  }[];
  /** Stops every master and removes their dirs. */
  stop(): Promise<void>;
}

/** The redis-server version line; rejects with a hint when redis-server or redis-cli is missing. */
export async function requireRedisServer(): Promise<string> {
  try {
    const { stdout } = await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return stdout.trim();
  } catch (error) {
    throw new Error(
      'redis-server and redis-cli must be on the PATH to start local Redis servers (Debian: apt-get install -y redis-server)',
      {
        cause: error,
      },
    );
  }
}

function runDir(chosen?: string): string {
  const dir = chosen ?? process.env.SCOPED_REDIS_RUN_DIR ?? join(tmpdir(), 'scoped-redis-local');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/** A port that is free along with its cluster bus port (port + 10000). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port)) continue;
    if ((await isPortFree(port)) && (await isPortFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port pair for redis-server');
}

async function ping(port: number): Promise<boolean> {
  try {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'ping'], { timeout: 2_000 });
    return stdout.trim() === 'PONG';
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts one redis-server on 127.0.0.1 (a cluster node if `cluster`) and waits until it answers PING. */
export async function startServer(options: LocalServerOptions & { cluster?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(runDir(options.runDir), `redis-${port}-`));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    options.appendfsync ?? 'always',
    '--logfile',
    join(dir, 'redis.log'),
    '--daemonize',
    'no',
  ];
  if (options.cluster) {
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      '2000',
      // Without replicas a dead master would otherwise take every slot down with it.
      '--cluster-require-full-coverage',
      'no',
    );
  }
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    child.once('error', () => {});
    writeFileSync(join(dir, PID_FILE), String(child.pid));
    try {
      await waitFor(`redis-server on port ${port}`, () => ping(port));
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  };
  await launch();
  const server: RedisServer = {
    port,
    dir,
    get pid() {
      return child.pid ?? -1;
    },
    async kill() {
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
    restart: launch,
    async stop() {
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Starts one standalone redis-server (not a cluster node) on a free port of 127.0.0.1. */
export async function startSingle(options: LocalServerOptions = {}): Promise<RedisServer> {
  return startServer({ ...options, cluster: false });
}

/**
 * Starts `masters` cluster nodes, joins them into one cluster without replicas
 * (slots split evenly) and waits for `cluster_state:ok` on every node. If any step
 * fails, the servers started so far are stopped before the error is rethrown.
 */
export async function startCluster(masters = 3, options: LocalServerOptions = {}): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) servers.push(await startServer({ ...options, cluster: true }));
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitFor('cluster_state:ok on every node', async () => {
      for (const s of servers) {
        const { stdout } = await run('redis-cli', ['-p', String(s.port), 'cluster', 'info']);
        if (!stdout.includes('cluster_state:ok')) return false;
      }
      return true;
    });
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  return {
    servers,
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
