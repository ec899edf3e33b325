-- SPDX-License-Identifier: MIT
-- events.lua: the event side of contrib/bench.sh's dispatcher benchmark, as
-- a wrk script (a client far lighter than the Python one in events.py, so
-- that the machine's cores go to the service under test).
--
-- POSTs events to .../events/ over wrk's keep-alive connections:
--   BENCH_EVENTS_TOKEN     service token
--   BENCH_EVENTS_TEMPLATE  API template id or name
--   BENCH_EVENTS_USER      the webhook owner, or several separated by commas
--                          (each request the next, in turn)
--   BENCH_EVENTS_RATE      events a second over all connections of this
--                          thread, each request sent at its slot of a fixed
--                          schedule (t0 + k / rate); 0: as fast as it goes
--   BENCH_EVENTS_OUT       with it, one line per accepted event is written to
--                          BENCH_EVENTS_OUT.<thread>: "<event id> <unix time
--                          the 202 arrived>" (for events.py join)
-- Prints "EVENTS accepted=N errors=N seconds=S rate=R offered=R late=N ..."
-- at the end (errors: answers other than a 202 with an id); late counts
-- requests that went out more than 5 ms after their slot (the client or the
-- service could not keep up).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } wh_timespec;
int clock_gettime(int clk, wh_timespec *ts);
]]
local ts = ffi.new("wh_timespec")

local function now()
   ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME: compared with nginx's $msec
   return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
   thread:set("thread_id", #threads)
   table.insert(threads, thread)
end

local path, headers, template, users, rate, out
local t0, k, n = nil, 0, 0
accepted, errors, late = 0, 0, 0

function init(args)
   path = wrk.path
   template = os.getenv("BENCH_EVENTS_TEMPLATE")
   users = {}
   for u in string.gmatch(os.getenv("BENCH_EVENTS_USER"), "[^,]+") do
      table.insert(users, u)
   end
   rate = tonumber(os.getenv("BENCH_EVENTS_RATE") or "0")
   headers = {
      ["Authorization"] = "Bearer " .. os.getenv("BENCH_EVENTS_TOKEN"),
      ["Content-Type"] = "application/json",
   }
   local o = os.getenv("BENCH_EVENTS_OUT")
   if o ~= nil and o ~= "" then
      out = assert(io.open(o .. "." .. (thread_id or 0), "w"))
      out:setvbuf("full")
   end
end

-- The wait before the next request of a connection: until its slot.
function delay()
   if rate <= 0 then
      return 0
   end
   local t = now()
   if t0 == nil then
      t0 = t
   end
   local slot = t0 + k / rate
   k = k + 1
   if slot <= t then
      if t - slot > 0.005 then
         late = late + 1
      end
      return 0
   end
   return math.ceil((slot - t) * 1000) -- never before the slot
end

function request()
   n = n + 1
   local body = string.format(
      '{"api_template":"%s","user":"%s","data":{"document_id":"bench-%d-%d","score":%d}}',
      template, users[(n % #users) + 1], thread_id or 0, n, n % 20)
   return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
   if status ~= 202 then
      errors = errors + 1
      return
   end
   local id = body:match('"id"%s*:%s*"([0-9a-fA-F-]+)"')
   if id == nil then
      errors = errors + 1
      return
   end
   accepted = accepted + 1
   if out ~= nil then
      out:write(string.format("%s %.6f\n", id, now()))
      -- wrk has no per-thread teardown: write through now and then
      if accepted % 256 == 0 then
         out:flush()
      end
   end
end

function done(summary, latency, requests)
   local acc, err, lt = 0, 0, 0
   for _, t in ipairs(threads) do
      acc = acc + (t:get("accepted") or 0)
      err = err + (t:get("errors") or 0)
      lt = lt + (t:get("late") or 0)
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "EVENTS accepted=%d errors=%d seconds=%.3f rate=%.1f offered=%s late=%d " ..
      "post_p50_ms=%.2f post_p99_ms=%.2f socket_errors=%d\n",
      acc, err, secs, acc / secs, os.getenv("BENCH_EVENTS_RATE") or "0", lt,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.connect + e.read + e.write + e.timeout))
end
