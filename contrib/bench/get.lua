-- SPDX-License-Identifier: MIT
-- get.lua: GET the URL given to wrk, with "Authorization: Bearer $BENCH_TOKEN"
-- when BENCH_TOKEN is set.  The request is built once (no request()), so
-- wrk's own cost stays minimal.
dofile((os.getenv("BENCH_LUA_DIR") or "contrib/bench") .. "/common.lua")

wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
   wrk.headers["Authorization"] = "Bearer " .. token
end
