/**
 * Lua scripts, and the one way this package talks to Redis (`RedisCaller`): every
 * command gets a deadline and every Redis failure becomes `STORAGE`.
 *
 * A script runs atomically on the scope's slot; all keys it touches are declared
 * in KEYS and share the scope's hash tag. Scripts validate before their first
 * write: Redis does not roll back a script that fails half-way.
 *
 * How a script is sent depends on whether it writes (see `Script`): a script that
 * writes is never re-sent, so a lost script cache cannot reorder writes.
 */
import { createHash } from 'node:crypto';
import { ScopedDbError } from '@scoped-lmdb/core';
import { wrapError } from '@scoped-lmdb/core/internal';
import type { Cluster, Redis } from 'ioredis';

/** Reply prefix a script uses to report that the scope's id holds another name. */
const COLLISION = 'SCOPED_HASH_COLLISION';
const CODEC_MISMATCH = 'SCOPED_CODEC_MISMATCH';

/**
 * A Lua script and how it is sent.
 *
 * A script that writes is sent as EVAL, body and all. Redis caches a script under
 * the SHA1 of its body when it runs it, so EVAL never answers NOSCRIPT: the write is
 * sent once and runs where the connection put it. EVALSHA would answer NOSCRIPT
 * after a restart, a failover or SCRIPT FLUSH, and the write would have to be sent
 * again; by then a newer write to the same keys, sent later, may have run (the cache
 * was loaded again meanwhile by another retry or another client), and the older value
 * would win. No retry, no reordering: the price is the body on every write (about
 * 1.2 kB; the measured cost is in the README).
 *
 * A read-only script is sent as EVALSHA_RO and, on NOSCRIPT, again as EVAL_RO: a read
 * that runs later than it was sent changes no data, and the _RO commands make Redis
 * refuse any write in such a script, so the split cannot be got wrong silently.
 */
export interface Script {
  readonly lua: string;
  readonly sha: string;
  readonly readOnly: boolean;
}

function writing(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex'), readOnly: false };
}

function readOnly(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex'), readOnly: true };
}

/**
 * Applies a batch of writes to one scope.
 *
 * KEYS: name record, database set, then (hash, zset) per database.
 * ARGV: scope name ('' for the default scope), database count n, n database
 * names, then ops of four arguments each: opcode ('put' | 'remove' | 'clear'),
 * database index (1-based), encoded key, encoded value.
 * Returns one integer per op: put 1, remove 1/0 (did the key exist), clear the count.
 */
export const WRITE_SCRIPT = writing(`
local name = ARGV[1]
if name ~= '' then
  local current = redis.call('GET', KEYS[1])
  if current and current ~= name then
    return redis.error_reply('${COLLISION} ' .. current)
  end
end
local databases = tonumber(ARGV[2])
local results = {}
local stored = false
for i = 3 + databases, #ARGV, 4 do
  local op, d, key = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local hash, order, db = KEYS[1 + 2 * d], KEYS[2 + 2 * d], ARGV[2 + d]
  if op == 'put' then
    redis.call('HSET', hash, key, ARGV[i + 3])
    redis.call('ZADD', order, 0, key)
    redis.call('SADD', KEYS[2], db)
    stored = true
    results[#results + 1] = 1
  elseif op == 'remove' then
    local existed = redis.call('HDEL', hash, key)
    if existed == 1 then
      redis.call('ZREM', order, key)
      if redis.call('EXISTS', order) == 0 then redis.call('SREM', KEYS[2], db) end
    end
    results[#results + 1] = existed
  else
    results[#results + 1] = redis.call('ZCARD', order)
    redis.call('UNLINK', hash, order)
    redis.call('SREM', KEYS[2], db)
  end
end
-- The name record is written with the scope's first data, in the same step.
if stored and name ~= '' then redis.call('SET', KEYS[1], name, 'NX') end
return results
`);

/**
 * One page of a range, keys and (optionally) values read in the same step.
 * KEYS: hash, zset. ARGV: from, to (lex bounds in ZRANGE order), 'rev' or '',
 * offset, count, 'values' or ''.
 */
export const RANGE_PAGE_SCRIPT = readOnly(`
local keys
if ARGV[3] == 'rev' then
  keys = redis.call('ZRANGE', KEYS[2], ARGV[1], ARGV[2], 'BYLEX', 'REV', 'LIMIT', ARGV[4], ARGV[5])
else
  keys = redis.call('ZRANGE', KEYS[2], ARGV[1], ARGV[2], 'BYLEX', 'LIMIT', ARGV[4], ARGV[5])
end
if ARGV[6] == 'values' and #keys > 0 then
  return { keys, redis.call('HMGET', KEYS[1], unpack(keys)) }
end
return { keys }
`);

/** KEYS: name record. ARGV: name. Idempotent; another name under the id is a collision. */
export const REGISTER_SCRIPT = writing(`
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then
  return redis.error_reply('${COLLISION} ' .. current)
end
if not current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`);

/** KEYS: name record. ARGV: name. 1 iff the record held this name and is now gone. */
export const UNREGISTER_SCRIPT = writing(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/**
 * KEYS: name record, database set. ARGV: name. Removes the name only if the scope
 * holds no data in any database, checked in the same step (no WATCH, no race
 * with a concurrent first write, which runs before or after this as a whole).
 */
export const PRUNE_SCRIPT = writing(`
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/** KEYS: meta hash. ARGV: database name, codec record. The first use of a name fixes its codecs. */
export const DATABASE_META_SCRIPT = writing(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and current ~= ARGV[2] then
  return redis.error_reply('${CODEC_MISMATCH} ' .. current)
end
if not current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
`);

export type RedisClient = Redis | Cluster;
export type Arg = string | Buffer | number;

function translate(error: unknown, context: string): ScopedDbError {
  if (error instanceof ScopedDbError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const collision = message.indexOf(COLLISION);
  if (collision >= 0) {
    const holder = message.slice(collision + COLLISION.length + 1);
    return new ScopedDbError('HASH_COLLISION', `${context}: the scope id already belongs to the scope "${holder}"`, { cause: error });
  }
  const mismatch = message.indexOf(CODEC_MISMATCH);
  if (mismatch >= 0) {
    const stored = message.slice(mismatch + CODEC_MISMATCH.length + 1);
    return new ScopedDbError('CODEC_MISMATCH', `${context}: the database was created with other codecs (${stored})`, { cause: error });
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

  /** Runs a script: EVAL if it writes, EVALSHA_RO (EVAL_RO on NOSCRIPT) if it only reads (see `Script`). */
  eval<T>(context: string, script: Script, keys: readonly string[], args: readonly Arg[], binaryReply = false): Promise<T> {
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
