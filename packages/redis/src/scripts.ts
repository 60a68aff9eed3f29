/**
 * The Lua scripts, and the argument lists they take.
 *
 * A script runs atomically on one slot; every key it touches is declared in KEYS and shares
 * one hash tag. Scripts validate before their first write: Redis does not roll back a script
 * that fails half-way. How each is sent (EVAL, or EVALSHA_RO) is caller.ts's business;
 * `readOnly` tells it which.
 *
 * Scripts that act for a named scope first check, in the same script, that the id is still
 * the name's (README "Stale caches"): they reply with a status first, one of `STATUS`.
 */
import { createHash } from 'node:crypto';
import { countKeys, dataKeys, fenceKey, idRecordKeys } from './layout.js';

/** Reply prefix DATABASE_META_SCRIPT uses when the name was first used with other codecs (caller.ts: CODEC_MISMATCH). */
export const CODEC_MISMATCH = 'SCOPED_CODEC_MISMATCH';

/** The first element of the reply of a script that acts for a named scope. */
export const STATUS = {
  /** The id is the name's (or the name is unregistered and the script did what that allows); the result follows. */
  OK: 0,
  /** At the name's home: the name lives at another id (16 hex follows). */
  MOVED: 1,
  /** The id is not (or no longer) the name's, or not in the life the write expected; the reason follows. */
  STALE: 2,
  /** A lifecycle step holds a record: the lock's kind and intent follow (engine.ts). */
  BUSY: 3,
  /** At the name's home: the name is unregistered and its home taken; a write must register it elsewhere. */
  TAKEN: 4,
} as const;

/** What a script takes in ARGV. */
export type Arg = string | Buffer | number;

/** A Lua script; `readOnly` decides how caller.ts sends it (see `RedisCaller.eval`). */
export interface Script {
  readonly lua: string;
  readonly sha: string;
  readonly readOnly: boolean;
}

/**
 * The body as sent: without comment lines, indentation or blank lines. A script that writes
 * travels whole with every call (EVAL, see caller.ts) and Redis hashes it each time, so its
 * length is paid per write.
 */
function compact(lua: string): string {
  return lua
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('--'))
    .join('\n');
}

function writing(lua: string): Script {
  const body = compact(lua);
  return { lua: body, sha: createHash('sha1').update(body).digest('hex'), readOnly: false };
}

function readOnly(lua: string): Script {
  const body = compact(lua);
  return { lua: body, sha: createHash('sha1').update(body).digest('hex'), readOnly: true };
}

/** Where a script acts: the name's home (it may redirect), another id, or the default scope (no checks). */
export type Mode = 'home' | 'id' | 'default';

/** An id slot's records, as the scripts below take them (six keys, this order). */
export function idRecordArgs(id: bigint): string[] {
  const keys = idRecordKeys(id);
  return [keys.name, keys.gen, keys.dropped, keys.reserved, keys.databases, keys.entries];
}

/**
 * Every read and write of a scope sends its id's six records and one database's hash and zset
 * as KEYS. Built once per (id, database), as Buffers: ioredis would otherwise encode each name
 * again on every call, and that encoding (and its garbage) was most of what a read cost.
 */
const scopeKeyCache = new Map<bigint | null, Map<string, readonly Buffer[]>>();
const SCOPE_KEY_CACHE_SIZE = 10_000;

/** The six records of `id` (the default scope's for null), then `database`'s hash and zset. */
export function scopeKeys(id: bigint | null, database: string): readonly Buffer[] {
  let byDatabase = scopeKeyCache.get(id);
  if (!byDatabase) {
    // A bound, not an LRU: after a clear the keys are only built again.
    if (scopeKeyCache.size >= SCOPE_KEY_CACHE_SIZE) scopeKeyCache.clear();
    byDatabase = new Map();
    scopeKeyCache.set(id, byDatabase);
  }
  let keys = byDatabase.get(database);
  if (!keys) {
    const data = dataKeys({ hash: id }, database);
    const records = id === null ? defaultRecordArgs() : idRecordArgs(id);
    keys = Object.freeze([...records, data.hash, data.order].map((key) => Buffer.from(key)));
    byDatabase.set(database, keys);
  }
  return keys;
}

const nameCache = new Map<string, Buffer>();

/** A scope's name as the scripts take it (ARGV[1]), encoded once. */
export function nameArg(name: string): Buffer {
  let bytes = nameCache.get(name);
  if (!bytes) {
    if (nameCache.size >= SCOPE_KEY_CACHE_SIZE) nameCache.clear();
    bytes = Buffer.from(name);
    nameCache.set(name, bytes);
  }
  return bytes;
}

/**
 * Lua shared by the scripts acting for a named scope, with the id's six records in
 * KEYS[1..6] (name, gen, dropped, reserved, dbs, entries) and the name in `name`:
 * `moved()` answers MOVED or BUSY at the home when the name has an entry there,
 * `lock(v)` tells a lifecycle lock, `why()` says why the id is not the name's.
 */
const PRELUDE = `
local function lock(v) return v and string.byte(v, 1) == 255 end
local function busy(v) return {${STATUS.BUSY}, string.sub(v, 2)} end
local function moved(name)
  local entry = redis.call('HGET', KEYS[6], name)
  if not entry then return nil end
  if lock(entry) then return busy(entry) end
  return {${STATUS.MOVED}, entry}
end
local function why(current)
  if current then return 'other' end
  if redis.call('EXISTS', KEYS[3]) == 1 then return 'dropped' end
  if redis.call('EXISTS', KEYS[4]) == 1 then return 'reserved' end
  return 'free'
end
local function free(current)
  return not current and redis.call('EXISTS', KEYS[3]) == 0 and redis.call('EXISTS', KEYS[4]) == 0
end
`;

/** The database a write goes to, as the write path needs it. Structural, so neither this file nor the store names the database class. */
export interface WriteTarget {
  readonly name: string;
  /** True when the database keeps per-scope stats (opened with `{ stats: true }`): its writes go through WRITE_STATS_SCRIPT. */
  readonly stats: boolean;
  /** True once its codec check has passed: a write to it can be sent without waiting. */
  readonly isReady: boolean;
  /** Resolves once its codec check (DATABASE_META_SCRIPT) has passed. */
  ready(): Promise<void>;
}

/** The limits of a quota as the write script takes them; null: no such limit. */
export interface QuotaLimits {
  maxEntries: number | null;
  maxBytes: number | null;
}

/** One write of a batch for WRITE_SCRIPT (a quota only for WRITE_STATS_SCRIPT: it writes no database). */
export type WriteOp =
  | { database: WriteTarget; kind: 'put'; key: Buffer; value: Buffer }
  | { database: WriteTarget; kind: 'remove'; key: Buffer }
  | { database: WriteTarget; kind: 'clear' }
  /**
   * Removes what `getRange` with the same bounds visits (a `ClearRange`): `from` and `to` are
   * ZRANGE BYLEX bounds in walk order (the high one first when `reverse`); at most `limit`.
   */
  | { database: WriteTarget; kind: 'clearRange'; from: Buffer; to: Buffer; reverse: boolean; limit: number | undefined }
  /** Sets the scope's quota (store.setQuota), or removes it when both limits are null. */
  | { database?: undefined; kind: 'quota'; limits: QuotaLimits };

/** Reply prefix of a write refused by a quota (caller.ts: QUOTA_EXCEEDED); nothing was written. */
export const QUOTA_EXCEEDED = 'SCOPED_QUOTA_EXCEEDED';

/**
 * The write script's checks, shared by both variants: is the id the name's (README "Stale
 * caches"), may a resolving write register the name here. `FIRST` is where the ops start in
 * ARGV. Defines `name`, `mode`, `databases`, `first`, `owned`, `gen`, `claim`, `fail`, or returns.
 */
function writeHead(first: string): string {
  return `${PRELUDE}
local name, mode, expect = ARGV[1], ARGV[2], ARGV[3]
local burst = expect == '~'
local function fail(reply)
  if burst then redis.call('SET', KEYS[7], '1', 'PX', 60000) end
  return reply
end
local databases = tonumber(ARGV[6])
local first = ${first}
local owned, gen, claim = 0, '', false
if mode ~= 'default' then
  if burst and redis.call('EXISTS', KEYS[7]) == 1 then return {${STATUS.STALE}, 'fence'} end
  if mode == 'home' then
    local redirect = moved(name)
    if redirect then return fail(redirect) end
  end
  local current = redis.call('GET', KEYS[1])
  if current == name then
    gen = redis.call('GET', KEYS[2]) or ''
    if string.sub(expect, 1, 1) == '=' and expect ~= '=' .. gen then return {${STATUS.STALE}, 'gen'} end
    owned = 1
  elseif lock(current) then
    return fail(busy(current))
  elseif (expect ~= '' and not burst) or mode ~= 'home' then
    return fail({${STATUS.STALE}, why(current)})
  elseif free(current) then
    claim = true
  else
    -- Unregistered, and its home holds another name, a tombstone or a copy.
    local stores = ARGV[5] == '1'
    for i = first, #ARGV, 4 do
      -- A put stores, and so does a quota that sets a limit (removing one registers nothing).
      if ARGV[i] == 'put' or (ARGV[i] == 'quota' and (ARGV[i + 2] ~= '' or ARGV[i + 3] ~= '')) then stores = true end
    end
    if stores then return fail({${STATUS.TAKEN}}) end
    -- A remove or clear of a scope with no id finds nothing.
    local none = {}
    for i = first, #ARGV, 4 do none[#none + 1] = 0 end
    return {${STATUS.OK}, 0, '', none}
  end
end
`;
}

/** The quota op of WRITE_STATS_SCRIPT: key maxEntries, value maxBytes ('' for none), KEYS[9] the record. */
const QUOTA_OP = `else
    redis.call('DEL', KEYS[9])
    if key ~= '' then redis.call('HSET', KEYS[9], 'maxEntries', key) end
    if ARGV[i + 3] ~= '' then redis.call('HSET', KEYS[9], 'maxBytes', ARGV[i + 3]) end
    if key ~= '' or ARGV[i + 3] ~= '' then stored = true end
    results[#results + 1] = 1`;

/**
 * The stats script's Lua for range clears, played through before anything is written: byte
 * order and ZRANGE BYLEX bounds tested in Lua, and `removal`, what a range clear removes.
 */
const RANGE_CLEAR_PLAY = `
-- Byte order (Lua's own string order follows the server's locale), and ZRANGE BYLEX bounds tested in Lua.
local function less(a, b)
  for j = 1, math.min(#a, #b) do
    local x, y = string.byte(a, j), string.byte(b, j)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function above(k, lo)
  local kind, bound = string.sub(lo, 1, 1), string.sub(lo, 2)
  if kind == '-' then return true elseif kind == '+' then return false elseif kind == '[' then return not less(k, bound) end
  return less(bound, k)
end
local function below(k, hi)
  local kind, bound = string.sub(hi, 1, 1), string.sub(hi, 2)
  if kind == '+' then return true elseif kind == '-' then return false elseif kind == '[' then return not less(bound, k) end
  return less(k, bound)
end
-- What a range clear of database d removes at its place in the batch: {entries, bytes}; the removed keys are marked gone.
local function removal(d, from, to, reverse, limit)
  local known = seen[d]
  if not known then
    known = {}
    seen[d] = known
  end
  local order, e, b = KEYS[9 + 2 * d], 0, 0
  if next(known) == nil and not cleared[d] then
    -- Nothing earlier in the batch touched d: the stored keys in walk order are the answer.
    local offset = 0
    while not limit or e < limit do
      local want = 1000
      if limit then want = math.min(want, limit - e) end
      local slice
      if reverse then
        slice = redis.call('ZRANGE', order, from, to, 'BYLEX', 'REV', 'LIMIT', offset, want)
      else
        slice = redis.call('ZRANGE', order, from, to, 'BYLEX', 'LIMIT', offset, want)
      end
      for _, k in ipairs(slice) do
        e, b = e + 1, b + #k + was(d, k)
        known[k] = false
      end
      if #slice < want then break end
      offset = offset + #slice
    end
    return e, b
  end
  local lo, hi = from, to
  if reverse then lo, hi = to, from end
  local candidates = {}
  if not cleared[d] then
    local offset = 0
    while true do
      local slice = redis.call('ZRANGE', order, lo, hi, 'BYLEX', 'LIMIT', offset, 1000)
      for _, k in ipairs(slice) do
        if known[k] == nil then candidates[#candidates + 1] = k end
      end
      if #slice < 1000 then break end
      offset = offset + 1000
    end
  end
  for k, length in pairs(known) do
    if length and above(k, lo) and below(k, hi) then candidates[#candidates + 1] = k end
  end
  table.sort(candidates, less)
  local n = #candidates
  local count = n
  if limit then count = math.min(limit, n) end
  for j = 1, count do
    local k = candidates[j]
    if reverse then k = candidates[n - j + 1] end
    e, b = e + 1, b + #k + was(d, k)
    known[k] = false
  end
  return e, b
end
`;

/** The stats script's first pass over a range clear: what it removes, subtracted. */
const RANGE_CLEAR_STEP = `else
      local e, b = removal(d, key, ARGV[i + 3], string.sub(op, 8, 8) == 'r', tonumber(string.sub(op, 10)))
      entries, bytes = -e, -b`;

/** The range clear op of WRITE_RANGE_SCRIPT (key and value: its ZRANGE BYLEX bounds in walk order). */
const RANGE_CLEAR_OP = `elseif string.sub(op, 1, 7) == 'rclear:' then
    -- A range clear: slices of at most 1 000 from the same bounds (the last slice is gone, so the next goes on from there).
    local reverse, limit, removed = string.sub(op, 8, 8) == 'r', tonumber(string.sub(op, 10)), 0
    while not limit or removed < limit do
      local want = 1000
      if limit then want = math.min(want, limit - removed) end
      local slice
      if reverse then
        slice = redis.call('ZRANGE', order, key, ARGV[i + 3], 'BYLEX', 'REV', 'LIMIT', 0, want)
      else
        slice = redis.call('ZRANGE', order, key, ARGV[i + 3], 'BYLEX', 'LIMIT', 0, want)
      end
      if #slice == 0 then break end
      redis.call('HDEL', hash, unpack(slice))
      redis.call('ZREM', order, unpack(slice))
      removed = removed + #slice
      if #slice < want then break end
    end
    if removed > 0 and redis.call('EXISTS', order) == 0 then redis.call('SREM', KEYS[5], db) end
    results[#results + 1] = removed
  `;

/**
 * Applies the ops (every check has passed); `base` is where the (hash, zset) pairs start in
 * KEYS, less 2; with `quota` the quota op (its record is KEYS[9]), with `ranges` the range clear.
 */
function writeApply(base: number, ops: { quota: boolean; ranges: boolean }): string {
  return `
local results = {}
local stored = false
for i = first, #ARGV, 4 do
  local op, d, key = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local hash, order, db = KEYS[${base} + 2 * d], KEYS[${base + 1} + 2 * d], ARGV[6 + d]
  if op == 'put' then
    redis.call('HSET', hash, key, ARGV[i + 3])
    redis.call('ZADD', order, 0, key)
    redis.call('SADD', KEYS[5], db)
    stored = true
    results[#results + 1] = 1
  elseif op == 'remove' then
    local existed = redis.call('HDEL', hash, key)
    if existed == 1 then
      redis.call('ZREM', order, key)
      if redis.call('EXISTS', order) == 0 then redis.call('SREM', KEYS[5], db) end
    end
    results[#results + 1] = existed
  elseif op == 'clear' then
    results[#results + 1] = redis.call('ZCARD', order)
    redis.call('UNLINK', hash, order)
    redis.call('SREM', KEYS[5], db)
  ${ops.ranges ? RANGE_CLEAR_OP : ''}${ops.quota ? QUOTA_OP : ''}
  end
end
`;
}

const WRITE_TAIL = `
if claim and (stored or ARGV[5] == '1') then
  redis.call('SET', KEYS[1], name)
  redis.call('SET', KEYS[2], ARGV[4])
  owned, gen = 1, ARGV[4]
end
`;

/**
 * Applies a batch of writes to one scope at one id (`writeBatch` builds its KEYS and ARGV).
 *
 * KEYS: the id's six records (`idRecordArgs`), the burst's fence, then (hash, zset) per database.
 * ARGV: 1 name ('' for DEFAULT), 2 mode, 3 expectation: '=' .. gen for a write through a
 * cached id (it runs only in that life); '~' for a write of a burst that resolves (see
 * below); '' to resolve alone. 4 a new gen (for a first registration), 5 '1' to register even
 * without a put, 6 database count n, n database names, then ops of four arguments each:
 * opcode ('put' | 'remove' | 'clear'), database index (1-based), encoded key, encoded value
 * ('' where the op has none).
 *
 * Reply: {OK, 1 if the id is the name's, its gen, {one integer per op: put 1, remove 1/0
 * (did the key exist), clear the count}}, or MOVED/STALE/BUSY/TAKEN (nothing written).
 * At the home, resolving, an unregistered name whose home is free registers with its first
 * put (v1's behaviour: the name record is written with the first data, in the same step).
 *
 * A burst: the writes a store pipelines to a scope before it knows the scope's id share a
 * fence key. The first of them that does not succeed sets the fence before it replies, and
 * every later one finds it and fails too, so the failures are the tail of what was sent and
 * the store re-sends them in order (routes.ts), as it does for a cached life that ended.
 *
 * Batches that write no database keeping stats, set no quota and clear no range use this
 * script; it knows nothing of stats, so such databases pay nothing for them.
 */
export const WRITE_SCRIPT = writing(`${writeHead('7 + databases')}${writeApply(6, { quota: false, ranges: false })}${WRITE_TAIL}
return {${STATUS.OK}, owned, gen, results}
`);

/**
 * The write script of a batch that writes a database keeping stats or sets a quota
 * (WRITE_STATS_SCRIPT), or clears a range (WRITE_RANGE_SCRIPT, `ranges`): the same checks and
 * writes as WRITE_SCRIPT, and in the same step the scope's stats and its quota (README "Stats
 * and quotas").
 *
 * KEYS: the id's six records, the fence, the id's stats, its quota, then (hash, zset) per
 * database. ARGV: as WRITE_SCRIPT's, with n flags after the n database names ('1': the
 * database keeps stats), and more ops: 'quota' (key: maxEntries, value: maxBytes, '' for
 * none; both '' removes the quota) and, with `ranges`, the range clear, 'rclear:' .. ('r'
 * reverse | 'f') .. ':' .. limit ('' for none), with its two ZRANGE BYLEX bounds, in walk
 * order, as key and value; it removes in slices of 1 000.
 *
 * Before writing anything it plays the batch through on what it reads (each key's stored
 * length, once; a clear empties the database for the ops after it): every op of a counted
 * database that adds entries or bytes is checked against the quota in force at its place
 * (a quota op earlier in the batch applies to the ops after it), over the scope's totals
 * across its counted databases. One over it refuses the whole batch with a QUOTA_EXCEEDED
 * error reply, and nothing is written. Then it writes the ops, and each counted database's
 * new stats once (fields removed when the database holds nothing). While the scope has a
 * quota, its stats also hold those totals (`t:e`, `t:b`), read and written with the rest;
 * when they are missing (a quota just set, a recount since) they are summed from the fields.
 */
function statsScript(ranges: boolean): Script {
  return writing(`${writeHead('7 + 2 * databases')}
local statsKey, quotaKey = KEYS[8], KEYS[9]
local limit = nil
if mode ~= 'default' then
  local q = redis.call('HMGET', quotaKey, 'maxEntries', 'maxBytes')
  if q[1] or q[2] then limit = {tonumber(q[1]), tonumber(q[2])} end
end
-- While a scope has a quota its stats also hold its totals over every counted database (t:e, t:b), read with the rest.
local counted, now, before, fields = {}, {}, {}, {}
for d = 1, databases do
  if ARGV[6 + databases + d] == '1' then
    counted[d] = true
    fields[#fields + 1] = 'e:' .. ARGV[6 + d]
    fields[#fields + 1] = 'b:' .. ARGV[6 + d]
  end
end
if limit then
  fields[#fields + 1] = 't:e'
  fields[#fields + 1] = 't:b'
end
-- stored: the scope's totals before the batch (nil until known); moved: the batch's changes so far.
local stored, moved, quotaRemoved = nil, {0, 0}, false
if #fields > 0 then
  local values = redis.call('HMGET', statsKey, unpack(fields))
  local j = 1
  for d = 1, databases do
    if counted[d] then
      now[d] = {tonumber(values[j]) or 0, tonumber(values[j + 1]) or 0}
      before[d] = {now[d][1], now[d][2]}
      j = j + 2
    end
  end
  if limit and values[j] and values[j + 1] then stored = {tonumber(values[j]), tonumber(values[j + 1])} end
end
local function totals()
  if not stored then
    -- Not kept yet (a quota just set, or a recount since): summed from every counted database's fields.
    stored = {0, 0}
    local all = redis.call('HGETALL', statsKey)
    for i = 1, #all, 2 do
      local kind = string.sub(all[i], 1, 2)
      if kind == 'e:' then stored[1] = stored[1] + tonumber(all[i + 1]) elseif kind == 'b:' then stored[2] = stored[2] + tonumber(all[i + 1]) end
    end
  end
  return stored[1] + moved[1], stored[2] + moved[2]
end
local seen, cleared = {}, {}
local function was(d, key)
  local known = seen[d]
  if not known then
    known = {}
    seen[d] = known
  end
  local length = known[key]
  if length == nil then
    length = false
    if not cleared[d] then
      local hash = KEYS[8 + 2 * d]
      length = redis.call('HSTRLEN', hash, key)
      if length == 0 and redis.call('HEXISTS', hash, key) == 0 then length = false end
    end
    known[key] = length
  end
  return length
end
local function number(n) return string.format('%.0f', n) end
${ranges ? RANGE_CLEAR_PLAY : ''}for i = first, #ARGV, 4 do
  local op, d, key = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  if op == 'quota' then
    if key == '' and ARGV[i + 3] == '' then
      limit, quotaRemoved = nil, true
    else
      limit = {tonumber(key), tonumber(ARGV[i + 3])}
    end
  elseif counted[d] then
    local entries, bytes = 0, 0
    if op == 'put' then
      local old, size = was(d, key), #ARGV[i + 3]
      if old then bytes = size - old else entries, bytes = 1, #key + size end
      seen[d][key] = size
    elseif op == 'remove' then
      local old = was(d, key)
      if old then entries, bytes = -1, -(#key + old) end
      seen[d][key] = false
    elseif op == 'clear' then
      entries, bytes = -now[d][1], -now[d][2]
      cleared[d] = true
      seen[d] = {}
    ${ranges ? RANGE_CLEAR_STEP : ''}
    end
    if limit and (entries > 0 or bytes > 0) then
      local e, b = totals()
      local over = nil
      if entries > 0 and limit[1] and e + entries > limit[1] then
        over = number(e + entries) .. ' entries (quota ' .. number(limit[1]) .. ')'
      elseif bytes > 0 and limit[2] and b + bytes > limit[2] then
        over = number(b + bytes) .. ' bytes (quota ' .. number(limit[2]) .. ')'
      end
      if over then
        return redis.error_reply('${QUOTA_EXCEEDED} ' .. op .. ' to "' .. ARGV[6 + d] .. '" refused: scope "' .. name .. '" would hold ' .. over .. ' across its stats-keeping databases; nothing was written')
      end
    end
    now[d][1], now[d][2] = now[d][1] + entries, now[d][2] + bytes
    moved[1], moved[2] = moved[1] + entries, moved[2] + bytes
  end
end
${writeApply(8, { quota: true, ranges })}
-- Each changed database's stats and, while there is a quota, the totals: one HSET, one HDEL at most.
local set, gone = {}, {}
local function push(list, a, b)
  list[#list + 1] = a
  list[#list + 1] = b
end
for d = 1, databases do
  if counted[d] and (now[d][1] ~= before[d][1] or now[d][2] ~= before[d][2]) then
    local e, b = 'e:' .. ARGV[6 + d], 'b:' .. ARGV[6 + d]
    if now[d][1] == 0 then
      push(gone, e, b)
    else
      push(set, e, now[d][1])
      push(set, b, now[d][2])
    end
  end
end
if limit then
  local e, b = totals()
  push(set, 't:e', e)
  push(set, 't:b', b)
elseif quotaRemoved then
  push(gone, 't:e', 't:b')
end
if #gone > 0 then redis.call('HDEL', statsKey, unpack(gone)) end
if #set > 0 then redis.call('HSET', statsKey, unpack(set)) end
${WRITE_TAIL}
return {${STATUS.OK}, owned, gen, results}
`);
}

export const WRITE_STATS_SCRIPT = statsScript(false);

/**
 * WRITE_STATS_SCRIPT that also plays range clears through (the keys a range clear removes at
 * its place in the batch, for the stats): for batches holding one, on any database. Kept apart
 * because it is 3 kB longer, and a script that writes travels whole with every call.
 */
export const WRITE_RANGE_SCRIPT = statsScript(true);

/** How a write reaches its id: where, and what it expects to find there. */
export interface WriteCall {
  /** The id written to; null for DEFAULT. */
  id: bigint | null;
  name: string;
  mode: Mode;
  /** The gen of the life a cached write runs in; a burst's fence token (resolving, pipelined); undefined: resolve alone. */
  expect: { gen: string } | { fence: string } | undefined;
  /** The gen a first registration writes. */
  newGen: string;
  /** Register the name even when no op stores anything (registerScope). */
  register: boolean;
}

/**
 * The script for a batch of writes to one scope (WRITE_SCRIPT, or WRITE_STATS_SCRIPT when a
 * database of it keeps stats or it sets a quota), and its KEYS and ARGV (laid out in their
 * comments).
 */
export function writeBatch(call: WriteCall, ops: readonly WriteOp[]): { script: Script; keys: (string | Buffer)[]; args: Arg[] } {
  const counting = ops.some((op) => op.kind === 'quota' || op.kind === 'clearRange' || op.database.stats);
  const fence =
    call.id === null ? 'scoped:{default}:fence' : fenceKey(call.id, call.expect && 'fence' in call.expect ? call.expect.fence : '');
  const databases: WriteTarget[] = [];
  // The id's records as cached Buffers (the '' entry is the one reads of no database use too).
  const head: (string | Buffer)[] = [...scopeKeys(call.id, '').slice(0, 6), fence];
  if (counting) {
    const count = countKeys(call.id);
    head.push(count.stats, count.quota);
  }
  const keys: (string | Buffer)[] = [];
  const opArgs: Arg[] = [];
  for (const op of ops) {
    if (op.kind === 'quota') {
      opArgs.push('quota', 0, limitArg(op.limits.maxEntries), limitArg(op.limits.maxBytes));
      continue;
    }
    let index = databases.findIndex((db) => db.name === op.database.name) + 1;
    if (index === 0) {
      databases.push(op.database);
      index = databases.length;
      const known = scopeKeys(call.id, op.database.name);
      keys.push(known[6]!, known[7]!);
    }
    if (op.kind === 'clearRange') opArgs.push(`rclear:${op.reverse ? 'r' : 'f'}:${op.limit ?? ''}`, index, op.from, op.to);
    else opArgs.push(op.kind, index, op.kind === 'clear' ? '' : op.key, op.kind === 'put' ? op.value : '');
  }
  const expect = call.expect === undefined ? '' : 'gen' in call.expect ? `=${call.expect.gen}` : '~';
  const args: Arg[] = [nameArg(call.name), call.mode, expect, call.newGen, call.register ? '1' : '', databases.length];
  for (const db of databases) args.push(db.name);
  if (counting) for (const db of databases) args.push(db.stats ? '1' : '');
  const script = ops.some((op) => op.kind === 'clearRange') ? WRITE_RANGE_SCRIPT : counting ? WRITE_STATS_SCRIPT : WRITE_SCRIPT;
  return { script, keys: [...head, ...keys], args: [...args, ...opArgs] };
}

function limitArg(limit: number | null): string {
  return limit === null ? '' : String(limit);
}

/** The default scope's records in the six places the scripts expect (only `dbs` is ever used). */
export function defaultRecordArgs(): string[] {
  const base = 'scoped:{default}:';
  return [`${base}name`, `${base}gen`, `${base}dropped`, `${base}reserved`, `${base}dbs`, `${base}ids`];
}

/** A read of one database of a scope (READ_SCRIPT's op and its arguments). */
export type ReadOp =
  | { op: 'get'; field: Buffer }
  | { op: 'mget'; fields: Buffer[] }
  | { op: 'exists'; field: Buffer }
  | { op: 'card' }
  | { op: 'lexcount'; min: Buffer; max: Buffer }
  | { op: 'empty' }
  /** Does the scope hold data in any database (its `dbs` set)? Also true for unnamed data at a free home. */
  | { op: 'any' }
  | { op: 'range'; from: Buffer; to: Buffer; reverse: boolean; offset: number; count: number; values: boolean }
  /** One database's stats (`getStats`): {entries, bytes} of the id's stats record, one HMGET. */
  | { op: 'stats'; database: string }
  /** Every field of the id's stats record (`scopeStats`). */
  | { op: 'allstats' }
  /** The id's quota {maxEntries, maxBytes}, only when the id is the name's (`getQuota`). */
  | { op: 'quota' };

/** The KEYS of a read of `database` at `id`: the six records, then the data keys, or the stats and quota records for the ops on them. */
export function readKeys(id: bigint | null, database: string, read: ReadOp): readonly (string | Buffer)[] {
  if (read.op !== 'stats' && read.op !== 'allstats' && read.op !== 'quota') return scopeKeys(id, database);
  const count = countKeys(id);
  return [...scopeKeys(id, '').slice(0, 6), count.stats, count.quota];
}

/**
 * One read of one scope, checked like a write (README "Stale caches"), in one step.
 *
 * KEYS: the id's six records, then the database's hash and zset (for the stats and quota
 * ops: the id's stats and quota records, `readKeys`).
 * ARGV: 1 name ('' for DEFAULT), 2 mode, 3 op, then the op's arguments (`readArgs`; the
 * stats op: the database name).
 * Reply: {OK, 1 if the id is the name's, its gen, result}, or MOVED/STALE/BUSY. At the
 * home, an unregistered name reads its free home (data written before any registration,
 * as LMDB's registry reads it), and nothing when its home is taken.
 * A range page's result is {keys} or {keys, values}, read in the same step.
 */
export const READ_SCRIPT = readOnly(`${PRELUDE}
local name, mode, op = ARGV[1], ARGV[2], ARGV[3]
local owned, gen, readable = 0, '', true
if mode ~= 'default' then
  if mode == 'home' then
    local redirect = moved(name)
    if redirect then return redirect end
  end
  local current = redis.call('GET', KEYS[1])
  if current == name then
    owned, gen = 1, redis.call('GET', KEYS[2]) or ''
  elseif lock(current) then
    return busy(current)
  elseif mode == 'id' then
    return {${STATUS.STALE}, why(current)}
  else
    readable = free(current)
  end
end
local hash, order = KEYS[7], KEYS[8]
local result
if op == 'get' then
  result = readable and redis.call('HGET', hash, ARGV[4])
elseif op == 'mget' then
  -- In chunks: unpack is bounded by Lua's C stack (8 000 slots), a getMany is not.
  result = {}
  for first = 4, #ARGV, 1000 do
    local last = math.min(first + 999, #ARGV)
    if readable then
      for _, value in ipairs(redis.call('HMGET', hash, unpack(ARGV, first, last))) do result[#result + 1] = value end
    else
      for i = first, last do result[#result + 1] = false end
    end
  end
elseif op == 'exists' then
  result = readable and redis.call('HEXISTS', hash, ARGV[4]) or 0
elseif op == 'card' then
  result = readable and redis.call('ZCARD', order) or 0
elseif op == 'lexcount' then
  result = readable and redis.call('ZLEXCOUNT', order, ARGV[4], ARGV[5]) or 0
elseif op == 'empty' then
  result = readable and redis.call('EXISTS', order) or 0
elseif op == 'any' then
  result = readable and redis.call('EXISTS', KEYS[5]) or 0
elseif op == 'stats' then
  result = readable and redis.call('HMGET', KEYS[7], 'e:' .. ARGV[4], 'b:' .. ARGV[4]) or {}
elseif op == 'allstats' then
  result = readable and redis.call('HGETALL', KEYS[7]) or {}
elseif op == 'quota' then
  result = owned == 1 and redis.call('HMGET', KEYS[8], 'maxEntries', 'maxBytes') or {}
else
  local keys = {}
  if readable then
    if ARGV[6] == 'rev' then
      keys = redis.call('ZRANGE', order, ARGV[4], ARGV[5], 'BYLEX', 'REV', 'LIMIT', ARGV[7], ARGV[8])
    else
      keys = redis.call('ZRANGE', order, ARGV[4], ARGV[5], 'BYLEX', 'LIMIT', ARGV[7], ARGV[8])
    end
  end
  if ARGV[9] == 'values' and #keys > 0 then
    result = { keys, redis.call('HMGET', hash, unpack(keys)) }
  else
    result = { keys }
  end
end
return {${STATUS.OK}, owned, gen, result}
`);

/** READ_SCRIPT's ARGV after the name and mode. */
export function readArgs(read: ReadOp): Arg[] {
  switch (read.op) {
    case 'get':
    case 'exists':
      return [read.op, read.field];
    case 'mget':
      return ['mget', ...read.fields];
    case 'lexcount':
      return ['lexcount', read.min, read.max];
    case 'range':
      return ['range', read.from, read.to, read.reverse ? 'rev' : '', read.offset, read.count, read.values ? 'values' : ''];
    case 'stats':
      return ['stats', read.database];
    default:
      return [read.op];
  }
}

/**
 * Drops a named scope at one id, first step of a drop (README "Steps").
 * KEYS: the id's six records. ARGV: 1 name, 2 mode ('home' | 'id'), 3 tombstone (JSON).
 * Reply: {OK, 0, '', what}: 'dropped' (name and gen gone, tombstone written), 'unnamed' (at a
 * free home holding data no name owns: tombstoned too) or 'none' (nothing to drop); or
 * MOVED/STALE/BUSY.
 */
export const DROP_SCRIPT = writing(`${PRELUDE}
local name, mode = ARGV[1], ARGV[2]
if mode == 'home' then
  local redirect = moved(name)
  if redirect then return redirect end
end
local current = redis.call('GET', KEYS[1])
if current == name then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SET', KEYS[3], ARGV[3])
  return {${STATUS.OK}, 0, '', 'dropped'}
end
if lock(current) then return busy(current) end
if mode ~= 'home' then return {${STATUS.STALE}, why(current)} end
if free(current) and redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('SET', KEYS[3], ARGV[3])
  return {${STATUS.OK}, 0, '', 'unnamed'}
end
return {${STATUS.OK}, 0, '', 'none'}
`);

/** KEYS: a home's entries. ARGV: name, 16-hex id. Deletes the name's entry if it still points at that id; 1 if it did. */
export const UNBIND_SCRIPT = writing(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
`);

/**
 * Unregisters a named scope at one id (unregisterScope, prune): its name and gen go, its
 * data stays. KEYS: the id's six records. ARGV: 1 name, 2 mode, 3 'empty' to refuse when
 * the scope holds data (checked in the same step, so a racing first write lands before or
 * after as a whole). Reply: {OK, 0, '', 'released' | 'data' | 'none'}, or MOVED/STALE/BUSY.
 */
export const RELEASE_SCRIPT = writing(`${PRELUDE}
local name, mode = ARGV[1], ARGV[2]
if mode == 'home' then
  local redirect = moved(name)
  if redirect then return redirect end
end
local current = redis.call('GET', KEYS[1])
if current == name then
  if ARGV[3] == 'empty' and redis.call('EXISTS', KEYS[5]) == 1 then return {${STATUS.OK}, 0, '', 'data'} end
  redis.call('DEL', KEYS[1], KEYS[2])
  return {${STATUS.OK}, 0, '', 'released'}
end
if lock(current) then return busy(current) end
if mode ~= 'home' then return {${STATUS.STALE}, why(current)} end
return {${STATUS.OK}, 0, '', 'none'}
`);

/**
 * Everything an id's slot says about the id, for listings and reclaim. KEYS: the id's six
 * records. Reply (binary): {name or nil, gen or nil, 1 if tombstoned, reservation or nil,
 * the home entry of the recorded name or nil (meaningful when this id is that name's home),
 * the `dbs` members}.
 */
export const ID_INFO_SCRIPT = readOnly(`
local name = redis.call('GET', KEYS[1])
local entry = false
if name then entry = redis.call('HGET', KEYS[6], name) end
return {name, redis.call('GET', KEYS[2]), redis.call('EXISTS', KEYS[3]), redis.call('GET', KEYS[4]), entry, redis.call('SMEMBERS', KEYS[5])}
`);

/**
 * Frees a dropped id. KEYS: tombstone, dbs, stats, quota, then (hash, zset) per database in
 * `dbs`. ARGV: the database count. Counts the entries (ZCARD), UNLINKs the data keys, `dbs`,
 * the stats and the quota, then deletes the tombstone. Reply: the entries freed; -1 if the id
 * is not dropped; -2 if `dbs` does not list exactly the databases given (read again and retry).
 */
export const RECLAIM_SCRIPT = writing(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('SCARD', KEYS[2]) ~= tonumber(ARGV[1]) then return -2 end
local freed = 0
for i = 5, #KEYS, 2 do
  freed = freed + redis.call('ZCARD', KEYS[i + 1])
  redis.call('UNLINK', KEYS[i], KEYS[i + 1])
end
redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4])
redis.call('DEL', KEYS[1])
return freed
`);

/** KEYS: the zsets of the databases of one id. Reply: the sum of their ZCARDs (pendingReclaim). */
export const COUNT_SCRIPT = readOnly(`
local total = 0
for i = 1, #KEYS do total = total + redis.call('ZCARD', KEYS[i]) end
return total
`);

/**
 * One page of a copy's source, keys and values read in the same step, from the id itself
 * (a copy reads the data of the id the source had when it started).
 * KEYS: tombstone, hash, zset. ARGV: from (lex bound), count. Reply: {keys, values}; an
 * error if the id was dropped meanwhile.
 */
export const COPY_PAGE_SCRIPT = readOnly(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('SCOPED_SOURCE_DROPPED') end
local keys = redis.call('ZRANGE', KEYS[3], ARGV[1], '+', 'BYLEX', 'LIMIT', 0, ARGV[2])
if #keys == 0 then return { keys, {} } end
return { keys, redis.call('HMGET', KEYS[2], unpack(keys)) }
`);

/**
 * Writes one batch of a copy into its reserved id. KEYS: reservation, dbs, stats, then (hash,
 * zset) per database. ARGV: 1 the copy's token, 2 database count n, n names, n flags ('1':
 * the database keeps stats, counted in the id's stats as written), then triples (database
 * index, key, value). Writes only while the reservation is the copy's and still filling, and
 * refreshes its heartbeat (this master's clock, in ms).
 * Reply: entries written, or -1 (the reservation is gone: the copy was given up).
 */
export const FILL_SCRIPT = writing(`
local prefix = ARGV[1] .. ' filling '
local reservation = redis.call('GET', KEYS[1])
if not reservation or string.sub(reservation, 1, #prefix) ~= prefix then return -1 end
local databases = tonumber(ARGV[2])
local written = 0
local entries, bytes = {}, {}
for i = 3 + 2 * databases, #ARGV, 3 do
  local d = tonumber(ARGV[i])
  local hash, key, value = KEYS[2 + 2 * d], ARGV[i + 1], ARGV[i + 2]
  if ARGV[2 + databases + d] == '1' then
    local old = redis.call('HSTRLEN', hash, key)
    if old == 0 and redis.call('HEXISTS', hash, key) == 0 then
      entries[d], bytes[d] = (entries[d] or 0) + 1, (bytes[d] or 0) + #key + #value
    else
      entries[d], bytes[d] = entries[d] or 0, (bytes[d] or 0) + #value - old
    end
  end
  redis.call('HSET', hash, key, value)
  redis.call('ZADD', KEYS[3 + 2 * d], 0, key)
  redis.call('SADD', KEYS[2], ARGV[2 + d])
  written = written + 1
end
for d, n in pairs(entries) do
  redis.call('HINCRBY', KEYS[3], 'e:' .. ARGV[2 + d], n)
  redis.call('HINCRBY', KEYS[3], 'b:' .. ARGV[2 + d], bytes[d])
end
local now = redis.call('TIME')
redis.call('SET', KEYS[1], prefix .. (now[1] * 1000 + math.floor(now[2] / 1000)))
return written
`);

/**
 * Counts one database's data at one id again and stores it as the id's stats (recountStats).
 * KEYS: stats, hash, zset. ARGV: the database name. Walks the zset in slices of 1 000 (one
 * script: the count is exact, and the master runs nothing else meanwhile). Reply: {entries, bytes}.
 */
export const RECOUNT_SCRIPT = writing(`
local entries, bytes = 0, 0
local total = redis.call('ZCARD', KEYS[3])
for start = 0, total - 1, 1000 do
  for _, key in ipairs(redis.call('ZRANGE', KEYS[3], start, start + 999)) do
    entries = entries + 1
    bytes = bytes + #key + redis.call('HSTRLEN', KEYS[2], key)
  end
end
local e, b = 'e:' .. ARGV[1], 'b:' .. ARGV[1]
if entries == 0 then redis.call('HDEL', KEYS[1], e, b) else redis.call('HSET', KEYS[1], e, entries, b, bytes) end
-- The totals a quota keeps are summed again by the next write.
redis.call('HDEL', KEYS[1], 't:e', 't:b')
return {entries, bytes}
`);

/**
 * The steps of the lifecycle protocol (engine.ts, README "Steps") on one slot, in one
 * atomic script: a list of actions, each on an id's records (six keys per group, in
 * KEYS: group g starts at KEYS[6 * (g - 1) + 1]) or on a name's home entry.
 *
 * ARGV: 1 'stop' (skip the actions after the first that does not answer 'ok') or 'all',
 * then actions of eight arguments: action, group, and six arguments (unused ones '').
 * Expected states of an id ("pre"): kind 'name' (a name, b gen), 'free', 'unnamed' (no
 * name but data), 'res' (a: the reservation's prefix). Finals ("fin"): 'name' (a name,
 * b gen), 'drop' (a tombstone). Locks (L) and commit marks (C) are whole strings.
 *
 *   lockid  g L kind a b      the id: L if in state pre (or already L)     ok | busy.. | no
 *   commit  g L C kind a b    the primary: C if in state pre or L           ok | busy.. | no
 *   finid   g L C kind a b    L or C -> fin                                 ok | skip
 *   undoid  g L kind a b ug   L -> pre (a name comes back with gen ug)      ok | skip
 *   poison  g C kind a b pg t pre -> unusable (gen pg, or tombstone t)      committed | poisoned | over
 *   probe   g C kind a b      the primary's state                           committed | pending | over
 *   lockent g N L kind a e    N's entry: L if N is at a (kind 'at', a hex or 'home') or
 *                             unregistered (kind 'none'; e '1': holding no data either)
 *                                                                           ok | busy.. | no:..
 *   finent  g N L C v         L or C -> v (deleted if '')                   ok | skip
 *   undoent g N L v           L -> v (deleted if '')                        ok | skip
 *   reserve g v               a free id -> reserved v                       ok | no
 *   filled  g T               the reservation of copy T: filling -> filled  ok | no
 *   abandon g T t             the reservation of copy T -> tombstone t      ok | skip
 *   stale   g ms t            a reservation older than ms -> tombstone t    ok | skip
 */
export const STEP_SCRIPT = writing(`
local function lock(v) return v and string.byte(v, 1) == 255 end
local function keys(g)
  local b = (tonumber(g) - 1) * 6
  return KEYS[b + 1], KEYS[b + 2], KEYS[b + 3], KEYS[b + 4], KEYS[b + 5], KEYS[b + 6]
end
local function now()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
local function is(kind, a, b, kn, kg, kd, kr, kdb)
  local current = redis.call('GET', kn)
  if kind == 'name' then return current == a and (redis.call('GET', kg) or '') == b end
  if current then return false end
  local dropped, reserved = redis.call('EXISTS', kd) == 1, redis.call('GET', kr)
  if kind == 'res' then return not dropped and reserved ~= false and string.sub(reserved, 1, #a) == a end
  if dropped or reserved then return false end
  local data = redis.call('EXISTS', kdb) == 1
  if kind == 'free' then return not data end
  if kind == 'unnamed' then return data end
  return false
end
local results = {}
local stop = ARGV[1] == 'stop'
for i = 2, #ARGV, 8 do
  local action, g = ARGV[i], ARGV[i + 1]
  local a1, a2, a3, a4, a5, a6 = ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  local kn, kg, kd, kr, kdb, ke = keys(g)
  local r
  if #results > 0 and stop and results[#results] ~= 'ok' then
    r = 'skipped'
  elseif action == 'lockid' or action == 'commit' then
    local mark = action == 'lockid' and a1 or a2
    local kind, a, b = action == 'lockid' and a2 or a3, action == 'lockid' and a3 or a4, action == 'lockid' and a4 or a5
    local current = redis.call('GET', kn)
    if current == mark or (action == 'commit' and current == a1) or is(kind, a, b, kn, kg, kd, kr, kdb) then
      redis.call('SET', kn, mark)
      r = 'ok'
    elseif lock(current) then
      r = 'busy' .. string.sub(current, 2)
    else
      r = 'no'
    end
  elseif action == 'finid' then
    local current = redis.call('GET', kn)
    if current == a1 or current == a2 then
      if a3 == 'name' then
        redis.call('SET', kn, a4)
        redis.call('SET', kg, a5)
      else
        redis.call('DEL', kn, kg)
        redis.call('SET', kd, a4)
      end
      redis.call('DEL', kr)
      r = 'ok'
    else
      r = 'skip'
    end
  elseif action == 'undoid' then
    if redis.call('GET', kn) == a1 then
      if a2 == 'name' then
        redis.call('SET', kn, a3)
        redis.call('SET', kg, a5)
      else
        redis.call('DEL', kn)
      end
      r = 'ok'
    else
      r = 'skip'
    end
  elseif action == 'poison' or action == 'probe' then
    local current = redis.call('GET', kn)
    if current == a1 then
      r = 'committed'
    elseif is(a2, a3, a4, kn, kg, kd, kr, kdb) then
      if action == 'probe' then
        r = 'pending'
      else
        if a2 == 'name' then
          redis.call('SET', kg, a5)
        else
          redis.call('DEL', kr)
          redis.call('SET', kd, a6)
        end
        r = 'poisoned'
      end
    else
      r = 'over'
    end
  elseif action == 'lockent' then
    local name, mark, kind, at = a1, a2, a3, a4
    local entry, home = redis.call('HGET', ke, name), redis.call('GET', kn)
    local ok
    if entry == mark then
      ok = true
    elseif kind == 'at' then
      if at == 'home' then ok = not entry and home == name else ok = entry == at end
    else
      ok = not entry and home ~= name and not lock(home)
      if ok and a5 == '1' and not home and redis.call('EXISTS', kd) == 0 and redis.call('EXISTS', kr) == 0 then
        ok = redis.call('EXISTS', kdb) == 0
      end
    end
    if ok then
      redis.call('HSET', ke, name, mark)
      r = 'ok'
    elseif lock(entry) then
      r = 'busy' .. string.sub(entry, 2)
    elseif not entry and lock(home) then
      r = 'busy' .. string.sub(home, 2)
    else
      r = 'no:' .. (entry or 'home')
    end
  elseif action == 'finent' or action == 'undoent' then
    local entry = redis.call('HGET', ke, a1)
    local value = action == 'finent' and a4 or a3
    if entry == a2 or (action == 'finent' and entry == a3) then
      if value == '' then redis.call('HDEL', ke, a1) else redis.call('HSET', ke, a1, value) end
      r = 'ok'
    else
      r = 'skip'
    end
  elseif action == 'reserve' then
    if is('free', '', '', kn, kg, kd, kr, kdb) then
      redis.call('SET', kr, a1 .. ' filling ' .. now())
      r = 'ok'
    else
      r = 'no'
    end
  elseif action == 'filled' then
    local reserved = redis.call('GET', kr)
    local filling, filled = a1 .. ' filling ', a1 .. ' filled '
    if reserved and string.sub(reserved, 1, #filling) == filling then
      redis.call('SET', kr, filled .. now())
      r = 'ok'
    elseif reserved and string.sub(reserved, 1, #filled) == filled then
      r = 'ok'
    else
      r = 'no'
    end
  elseif action == 'abandon' then
    local reserved = redis.call('GET', kr)
    if reserved and string.sub(reserved, 1, #a1 + 1) == a1 .. ' ' and not redis.call('GET', kn) then
      redis.call('DEL', kr)
      redis.call('SET', kd, a2)
      r = 'ok'
    else
      r = 'skip'
    end
  elseif action == 'stale' then
    local reserved = redis.call('GET', kr)
    local at = reserved and tonumber(string.match(reserved, '(%d+)$'))
    if at and not redis.call('GET', kn) and now() - at > tonumber(a1) then
      redis.call('DEL', kr)
      redis.call('SET', kd, a2)
      r = 'ok'
    else
      r = 'skip'
    end
  else
    return redis.error_reply('unknown step ' .. action)
  end
  results[#results + 1] = r
end
return results
`);

/** Reply prefix of DATABASE_META_SCRIPT when a database that keeps stats is opened without them (INVALID_INPUT). */
export const STATS_REQUIRED = 'SCOPED_STATS_REQUIRED';

/**
 * KEYS: meta hash. ARGV: database name, this handle's record, the same record with the other
 * stats setting, '1' if this handle keeps stats. The first use of a name fixes its codecs;
 * stats, once kept, must be kept by every later handle. Reply: 1, or 2 when this handle turns
 * stats on for a database recorded without them (its data must be counted once).
 */
export const DATABASE_META_SCRIPT = writing(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
if current == ARGV[2] then return 1 end
if current == ARGV[3] then
  if ARGV[4] ~= '1' then return redis.error_reply('${STATS_REQUIRED}') end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 2
end
return redis.error_reply('${CODEC_MISMATCH} ' .. current)
`);
