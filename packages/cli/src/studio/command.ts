/**
 * `scoped-lmdb studio <path> [--redis url] [--port n] [--write]`: opens the store through the
 * store service (read-only unless `--write`), starts the studio on 127.0.0.1, prints its URL
 * with the access token, and runs until SIGINT or SIGTERM, then closes the server and the store.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { openStore } from '../commands/shared.js';
import type { StoreService } from '../service.js';
import { checkHost, type Studio, startStudio } from './server.js';

/** The port the studio listens on unless `--port` says otherwise. */
export const DEFAULT_STUDIO_PORT = 4983;

/** What `runStudio` takes besides the store. */
export interface StudioCommandOptions {
  /** The port (0: a free one; default `DEFAULT_STUDIO_PORT`). */
  port?: number;
  /** The host: only 127.0.0.1 (or localhost) is accepted. */
  host?: string;
  /** Open the store for writing and offer delete, clear and drop. */
  write?: boolean;
}

/** Opens the store at `target` (an env path or a redis:// URL) and starts a studio on it; `stop` closes both. */
export async function runStudio(
  target: string,
  options: StudioCommandOptions = {},
): Promise<{ studio: Studio; service: StoreService; stop(): Promise<void> }> {
  if (options.host !== undefined) checkHost(options.host, target.replace(/\/\/[^@/]*@/, '//'));
  const service = await openStore(target, options.write === true);
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

/** Adds `studio` to the program (the command table's entry point). */
export function register(program: Command): void {
  program
    .command('studio')
    .description('browse a store in a local web page (127.0.0.1 only, behind a random access token)')
    .argument('<path>', 'the LMDB env: a directory holding data.mdb, or the file')
    .option('--redis <url>', 'browse the Redis server or cluster at <url> (then leave <path> out)')
    .option('-p, --port <n>', `the port (0 for a free one; default ${DEFAULT_STUDIO_PORT})`, parsePort)
    .option('--host <host>', 'where to listen: only 127.0.0.1 (or localhost) is accepted', '127.0.0.1')
    .option('--write', 'open the store for writing and offer delete key, clear scope and drop scope', false)
    .option('--verbose', 'print the stack of an error')
    .action(async (target: string, flags: { port?: number; host: string; write: boolean }) => {
      const { studio, service, stop } = await runStudio(target, {
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        host: flags.host,
        write: flags.write,
      });
      process.stdout.write(
        `scoped-lmdb studio on ${service.backend} ${service.location} (${service.readOnly ? 'read-only' : 'read-write'})\n` +
          `open ${studio.url}\n(the token in this URL is the only key to it; Ctrl-C stops the studio)\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await stop();
    });
}
