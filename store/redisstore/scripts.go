package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts. Every one reads the server clock (TIME) as "now", in Unix
// milliseconds, and treats a record whose expiry field x is <= now as absent,
// whether or not Redis has evicted it yet.
//
// A record is a hash under <prefix>s:<key> with the fields
//
//	v  version (decimal)
//	d  data (bytes)
//	s  subject ("" for none)
//	c  created, l last seen, e expires: "<unix seconds>.<nanoseconds>"
//	x  expires in Unix milliseconds, rounded down (what Lua compares)
//	m  metadata as a JSON object, or "" for none
//
// and always carries a PEXPIREAT of x. The sessions of a subject are a sorted
// set under <prefix>u:<subject>, members the store keys, scored by x, with a
// PEXPIREAT of its highest score. ARGV[1] is always the prefix and ARGV[2]
// the store key or the subject, so that scripts can name the other keys.
const luaNow = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function index_add(idx, key, score, now)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  redis.call('ZADD', idx, score, key)
  local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', idx, top[2])
end
`

// loadScript: KEYS[1] record. Returns {v, d, s, c, l, e, m} or nil.
var loadScript = redis.NewScript(luaNow + `
local r = redis.call('HMGET', KEYS[1], 'v', 'd', 's', 'c', 'l', 'e', 'm', 'x')
if not r[1] or not r[8] or tonumber(r[8]) <= now_ms() then
  return false
end
r[8] = nil
return r
`)

// saveScript: KEYS[1] record; ARGV prefix, key, expected version, data,
// subject, created, last seen, expires, expires ms, meta. Returns {1, new
// version} or {0, stored version} on a conflict.
var saveScript = redis.NewScript(luaNow + `
local rk, prefix, key = KEYS[1], ARGV[1], ARGV[2]
local now = now_ms()
local cur = redis.call('HMGET', rk, 'v', 'x', 's')
local version, old_subject = 0, ''
if cur[1] then
  if not cur[2] or tonumber(cur[2]) <= now then
    -- expired but not evicted yet: it counts as absent
    redis.call('DEL', rk)
    if cur[3] and cur[3] ~= '' then redis.call('ZREM', prefix .. 'u:' .. cur[3], key) end
  else
    version, old_subject = tonumber(cur[1]), cur[3] or ''
  end
end
if version ~= tonumber(ARGV[3]) then
  return {0, version}
end
local subject, exp = ARGV[5], tonumber(ARGV[9])
if old_subject ~= '' and old_subject ~= subject then
  redis.call('ZREM', prefix .. 'u:' .. old_subject, key)
end
version = version + 1
if exp <= now then
  -- expired on arrival: the save succeeds and the record ends at once
  redis.call('DEL', rk)
  if subject ~= '' then redis.call('ZREM', prefix .. 'u:' .. subject, key) end
  return {1, version}
end
redis.call('HSET', rk, 'v', version, 'd', ARGV[4], 's', subject, 'c', ARGV[6],
  'l', ARGV[7], 'e', ARGV[8], 'x', ARGV[9], 'm', ARGV[10])
redis.call('PEXPIREAT', rk, exp)
if subject ~= '' then index_add(prefix .. 'u:' .. subject, key, exp, now) end
return {1, version}
`)

// deleteScript: KEYS[1] record; ARGV prefix, key. Returns 1 if a record was
// deleted.
var deleteScript = redis.NewScript(`
local s = redis.call('HGET', KEYS[1], 's')
if s and s ~= '' then redis.call('ZREM', ARGV[1] .. 'u:' .. s, ARGV[2]) end
return redis.call('DEL', KEYS[1])
`)

// compareAndDeleteScript: KEYS[1] record; ARGV prefix, key, expected
// version. A missing or expired record has version 0. On a match it deletes
// the record (an expired one too) and its subject index member and returns
// {1, version}; otherwise it deletes nothing and returns {0, stored version}.
var compareAndDeleteScript = redis.NewScript(luaNow + `
local rk, prefix, key = KEYS[1], ARGV[1], ARGV[2]
local cur = redis.call('HMGET', rk, 'v', 'x', 's')
local version = 0
if cur[1] and cur[2] and tonumber(cur[2]) > now_ms() then
  version = tonumber(cur[1])
end
if version ~= tonumber(ARGV[3]) then
  return {0, version}
end
if cur[3] and cur[3] ~= '' then redis.call('ZREM', prefix .. 'u:' .. cur[3], key) end
redis.call('DEL', rk)
return {1, version}
`)

// touchScript: KEYS[1] record; ARGV prefix, key, last seen, expires, expires
// ms. Returns 1 if a live record was touched.
var touchScript = redis.NewScript(luaNow + `
local rk, prefix, key = KEYS[1], ARGV[1], ARGV[2]
local now = now_ms()
local cur = redis.call('HMGET', rk, 'x', 's')
if not cur[1] or tonumber(cur[1]) <= now then return 0 end
local subject, exp = cur[2] or '', tonumber(ARGV[5])
if exp <= now then
  redis.call('DEL', rk)
  if subject ~= '' then redis.call('ZREM', prefix .. 'u:' .. subject, key) end
  return 1
end
redis.call('HSET', rk, 'l', ARGV[3], 'e', ARGV[4], 'x', ARGV[5])
redis.call('PEXPIREAT', rk, exp)
if subject ~= '' then index_add(prefix .. 'u:' .. subject, key, exp, now) end
return 1
`)

// sessionsScript: KEYS[1] subject index; ARGV prefix, subject. Returns a
// flat array of key, c, l, e, m for each live session, and drops index
// members whose record is gone, expired or moved to another subject.
var sessionsScript = redis.NewScript(luaNow + `
local idx, prefix, subject = KEYS[1], ARGV[1], ARGV[2]
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
local out = {}
for _, key in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
  local r = redis.call('HMGET', prefix .. 's:' .. key, 's', 'c', 'l', 'e', 'm', 'x')
  if r[1] == subject and r[6] and tonumber(r[6]) > now then
    out[#out + 1] = key
    out[#out + 1] = r[2]
    out[#out + 1] = r[3]
    out[#out + 1] = r[4]
    out[#out + 1] = r[5]
  else
    redis.call('ZREM', idx, key)
  end
end
return out
`)

// deleteSubjectScript: KEYS[1] subject index; ARGV prefix, subject, keep.
// Deletes every record of subject except keep's and returns how many.
var deleteSubjectScript = redis.NewScript(`
local idx, prefix, subject, keep = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local n = 0
for _, key in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
  if key ~= keep then
    local rk = prefix .. 's:' .. key
    if redis.call('HGET', rk, 's') == subject then
      n = n + redis.call('DEL', rk)
    end
    redis.call('ZREM', idx, key)
  end
end
return n
`)
