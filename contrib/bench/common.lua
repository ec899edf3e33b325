-- SPDX-License-Identifier: MIT
-- common.lua: shared by the contrib/bench/*.lua wrk scripts.  Numbers each
-- thread and prints one machine-readable "BENCH ..." line at the end, which
-- contrib/bench.sh parses.  Latencies are in microseconds inside wrk.

local threads = {}

function setup(thread)
   thread:set("thread_id", #threads)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local e = summary.errors
   local non2xx, wrapped, counted = 0, 0, false
   for _, t in ipairs(threads) do
      local n = t:get("non2xx")
      if n ~= nil then
         counted = true
         non2xx = non2xx + n
      end
      wrapped = wrapped + (t:get("wrapped") or 0)
   end
   if not counted then
      -- scripts without response(): wrk counts statuses >= 400
      non2xx = e.status
   end
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "non2xx=%d connect=%d read=%d write=%d timeout=%d wrapped=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      non2xx, e.connect, e.read, e.write, e.timeout, wrapped))
end
