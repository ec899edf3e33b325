-- SPDX-License-Identifier: MIT
-- post.lua: POST /webhooks/v1/webhook/, each request for a new
-- (user, template) pair so that none is a 409 duplicate: it walks through
-- the tokens in $BENCH_TOKENS (one a line) x the template ids in
-- $BENCH_TEMPLATES.  Counts non-2xx answers; if the pairs run out it starts
-- over (those requests then get 409) and reports it as "wrapped".
dofile((os.getenv("BENCH_LUA_DIR") or "contrib/bench") .. "/common.lua")

local function read_lines(path)
   local t = {}
   for line in io.lines(path) do
      if line ~= "" then t[#t + 1] = line end
   end
   return t
end

local tokens, templates, npairs
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local path = "/webhooks/v1/webhook/"
local k = 0
non2xx = 0
wrapped = 0

function init(args)
   tokens = read_lines(os.getenv("BENCH_TOKENS"))
   templates = read_lines(os.getenv("BENCH_TEMPLATES"))
   npairs = #tokens * #templates
   -- threads take interleaved pairs: thread t uses t, t + n, t + 2n, ...
   k = thread_id or 0
end

function request()
   if k >= npairs then
      wrapped = wrapped + 1
   end
   local p = k % npairs
   k = k + nthreads
   local token = tokens[math.floor(p / #templates) + 1]
   local template = templates[(p % #templates) + 1]
   local body = string.format(
      '{"api_template":"%s","endpoint_url":"https://example.com/bench/%d","secret_hash":"bench-secret-%d"}',
      template, p, p)
   return wrk.format("POST", path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
   }, body)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end
