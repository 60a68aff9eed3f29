/**
 * The Lua scripts, and the batch a write script takes (`WriteOp`, `writeBatch`).
 *
 * A script runs atomically on the scope's slot; all keys it touches are declared
 * in KEYS and share the scope's hash tag. Scripts validate before their first
 * write: Redis does not roll back a script that fails half-way. How each is sent
 * (EVAL, or EVALSHA_RO) is caller.ts's business; `readOnly` tells it which.
 */
import { createHash } from 'node:crypto';
import type { Scope } from '@scoped-lmdb/core';
import { dataKeys, scopeRecordKeys } from './layout.js';

/** Reply prefix a script uses to report that the scope's id holds another name (caller.ts turns it into HASH_COLLISION). */
export const COLLISION = 'SCOPED_HASH_COLLISION';
/** Reply prefix DATABASE_META_SCRIPT uses when the name was first used with other codecs (caller.ts: CODEC_MISMATCH). */
export const CODEC_MISMATCH = 'SCOPED_CODEC_MISMATCH';

/** What a script takes in ARGV. */
export type Arg = string | Buffer | number;

/** A Lua script; `readOnly` decides how caller.ts sends it (see `RedisCaller.eval`). */
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
 * The database a write goes to, as the write path needs it. Structural, so neither
 * this file nor the store names the database class.
 */
export interface WriteTarget {
  readonly name: string;
  /** True once its codec check has passed: a write to it can be sent without waiting. */
  readonly isReady: boolean;
  /** Resolves once its codec check (DATABASE_META_SCRIPT) has passed. */
  ready(): Promise<void>;
}

/** One write of a batch for WRITE_SCRIPT. */
export type WriteOp =
  | { database: WriteTarget; kind: 'put'; key: Buffer; value: Buffer }
  | { database: WriteTarget; kind: 'remove'; key: Buffer }
  | { database: WriteTarget; kind: 'clear' };

/**
 * Applies a batch of writes to one scope (`writeBatch` builds its KEYS and ARGV).
 *
 * KEYS: name record, database set, then (hash, zset) per database.
 * ARGV: scope name ('' for the default scope), database count n, n database
 * names, then ops of four arguments each: opcode ('put' | 'remove' | 'clear'),
 * database index (1-based), encoded key, encoded value ('' where the op has none).
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

/** WRITE_SCRIPT's KEYS and ARGV (laid out in its comment) for a batch of writes to one scope. */
export function writeBatch(scope: Scope, ops: readonly WriteOp[]): { keys: string[]; args: Arg[] } {
  const record = scopeRecordKeys(scope);
  const databases: string[] = [];
  const keys = [record.name, record.databases];
  const args: Arg[] = [scope.name ?? '', 0];
  const opArgs: Arg[] = [];
  for (const op of ops) {
    let index = databases.indexOf(op.database.name) + 1;
    if (index === 0) {
      databases.push(op.database.name);
      index = databases.length;
      const data = dataKeys(scope, op.database.name);
      keys.push(data.hash, data.order);
    }
    opArgs.push(op.kind, index, op.kind === 'clear' ? '' : op.key, op.kind === 'put' ? op.value : '');
  }
  args[1] = databases.length;
  return { keys, args: [...args, ...databases, ...opArgs] };
}

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
