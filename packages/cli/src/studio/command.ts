/**
 * `scoped-lmdb studio [path] [--redis url] [--port n] [--write]`: opens the store through the
 * store service (read-only unless `--write`), starts the studio on 127.0.0.1, prints its URL
 * with the access token, and runs until SIGINT or SIGTERM, then closes the server and the store.
 */
import { ScopedDbError } from '@scoped-lmdb/core';
import { Command, InvalidArgumentError } from 'commander';
import { openLmdbService } from '../lmdb-service.js';
import { openRedisService } from '../redis-service.js';
import type { StoreService } from '../service.js';
import { type Studio, startStudio } from './server.js';

/** The port the studio listens on unless `--port` says otherwise. */
export const DEFAULT_STUDIO_PORT = 4983;

/** What `runStudio` takes: the command's arguments. */
export interface StudioCommandOptions {
  /** The LMDB env (a directory holding data.mdb, or the file); leave out with `redis`. */
  path?: string;
  /** A Redis URL instead of an env path. */
  redis?: string;
  /** The port (0: a free one). */
  port?: number;
  /** The host: only 127.0.0.1 (or localhost) is accepted. */
  host?: string;
  /** Open the store for writing and offer delete, clear and drop. */
  write?: boolean;
}

/** Opens the store and starts a studio on it; the caller closes both (`stop`). */
export async function runStudio(options: StudioCommandOptions): Promise<{ studio: Studio; service: StoreService; stop(): Promise<void> }> {
  if ((options.path === undefined) === (options.redis === undefined)) {
    throw new ScopedDbError('INVALID_INPUT', 'studio: give an LMDB env path or --redis <url> (one of them)');
  }
  const write = options.write === true;
  const service =
    options.redis !== undefined
      ? await openRedisService(options.redis, { write })
      : await openLmdbService(options.path as string, { write });
  let studio: Studio;
  try {
    studio = await startStudio(service, {
      port: options.port ?? DEFAULT_STUDIO_PORT,
      ...(options.host !== undefined ? { host: options.host } : {}),
    });
  } catch (error) {
    await service.close();
    throw error;
  }
  return {
    studio,
    service,
    stop: async () => {
      await studio.close();
      await service.close();
    },
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return port;
}

/** The `studio` command, for the CLI's command table. */
export function studioCommand(): Command {
  return new Command('studio')
    .description('browse a store in a local web page (127.0.0.1 only, behind a random access token)')
    .argument('[path]', 'the LMDB env: a directory holding data.mdb, or the file (leave out with --redis)')
    .option('--redis <url>', 'a Redis store instead of an LMDB env')
    .option('-p, --port <n>', `the port (0 for a free one; default ${DEFAULT_STUDIO_PORT})`, parsePort)
    .option('--host <host>', 'where to listen: only 127.0.0.1 (or localhost) is accepted', '127.0.0.1')
    .option('--write', 'open the store for writing and offer delete key, clear scope and drop scope', false)
    .action(async (path: string | undefined, flags: { redis?: string; port?: number; host: string; write: boolean }) => {
      const { studio, service, stop } = await runStudio({
        ...(path !== undefined ? { path } : {}),
        ...(flags.redis !== undefined ? { redis: flags.redis } : {}),
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        host: flags.host,
        write: flags.write,
      });
      process.stdout.write(
        `scoped-lmdb studio: ${service.backend} ${service.location}, ${service.readOnly ? 'read-only' : 'read-write'}\n` +
          `open ${studio.url}\n(the token in that URL is this session's only key; Ctrl-C stops the studio)\n`,
      );
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await stop();
    });
}
