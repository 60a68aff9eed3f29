/**
 * The one way this package talks to Redis (`RedisCaller`): every command gets a
 * deadline, every script is sent the way its kind needs (a script that writes is
 * never re-sent, so a lost script cache cannot reorder writes), and every failure
 * becomes a ScopedDbError: the scripts' own reply errors their codes, the rest
 * `STORAGE` (core's wrapError).
 */
import { ScopedDbError } from '@scoped-lmdb/core';
import { wrapError } from '@scoped-lmdb/core/internal';
import type { Cluster, Redis } from 'ioredis';
import { type Arg, CODEC_MISMATCH, QUOTA_EXCEEDED, type Script, STATS_REQUIRED } from './scripts.js';

export type RedisClient = Redis | Cluster;

/** A script's own reply errors (scripts.ts) keep their codes; any other failure is STORAGE. */
function translate(error: unknown, context: string): ScopedDbError {
  if (error instanceof ScopedDbError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const mismatch = message.indexOf(CODEC_MISMATCH);
  if (mismatch >= 0) {
    const stored = message.slice(mismatch + CODEC_MISMATCH.length + 1);
    return new ScopedDbError('CODEC_MISMATCH', `${context}: the database was created with other codecs (${stored})`, { cause: error });
  }
  const quota = message.indexOf(QUOTA_EXCEEDED);
  if (quota >= 0) {
    return new ScopedDbError('QUOTA_EXCEEDED', `${context}: ${message.slice(quota + QUOTA_EXCEEDED.length + 1)}`, { cause: error });
  }
  if (message.includes(STATS_REQUIRED)) {
    return new ScopedDbError(
      'INVALID_INPUT',
      `${context} keeps per-scope stats: open it with { stats: true } again, or its writes would leave the stats wrong`,
      { cause: error },
    );
  }
  return wrapError(error, 'STORAGE', context);
}

/**
 * Sends commands with a deadline. A command that misses it rejects with STORAGE;
 * Redis may still apply a write that timed out (the reply, not the write, was lost).
 */
export class RedisCaller {
  constructor(
    readonly client: RedisClient,
    private readonly timeoutMs: number,
  ) {}

  async call<T>(context: string, send: (client: RedisClient) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ScopedDbError('STORAGE', `${context}: no reply from Redis within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([send(this.client), deadline]);
    } catch (error) {
      throw translate(error, context);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a script: EVAL if it writes, EVALSHA_RO (EVAL_RO on NOSCRIPT) if it only reads.
   *
   * A script that writes is sent as EVAL, body and all. Redis caches a script under
   * the SHA1 of its body when it runs it, so EVAL never answers NOSCRIPT: the write is
   * sent once and runs where the connection put it. EVALSHA would answer NOSCRIPT
   * after a restart, a failover or SCRIPT FLUSH, and the write would have to be sent
   * again; by then a newer write to the same keys, sent later, may have run (the cache
   * was loaded again meanwhile by another retry or another client), and the older value
   * would win. No retry, no reordering: the price is the body on every write (about
   * 2.7 kB since writes check stored ids, sent without comments or indentation; the
   * measured cost is in the README).
   *
   * A read-only script is sent as EVALSHA_RO and, on NOSCRIPT, again as EVAL_RO: a read
   * that runs later than it was sent changes no data, and the _RO commands make Redis
   * refuse any write in such a script, so the split cannot be got wrong silently.
   */
  eval<T>(context: string, script: Script, keys: readonly (string | Buffer)[], args: readonly Arg[], binaryReply = false): Promise<T> {
    return this.call(context, async (client) => {
      const send = (command: 'eval' | 'eval_ro' | 'evalsha_ro', first: string) =>
        (binaryReply ? client.callBuffer : client.call).call(client, command, first, keys.length, ...keys, ...args) as Promise<T>;
      if (!script.readOnly) return send('eval', script.lua);
      try {
        return await send('evalsha_ro', script.sha);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return send('eval_ro', script.lua);
        throw error;
      }
    });
  }
}
