-- wrk script of the overhead bench (bench/wrk-phase.ts): POSTs WRK_BODY as JSON with
-- `Authorization: Bearer <token>`, the tokens of WRK_TOKENS (comma-separated) taken in turn, and
-- prints the run's figures as one line `wrk-result {json}` when it ends. The tokens come from the
-- environment so that they are not on a command line.
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY")
wrk.headers["Content-Type"] = "application/json"
if os.getenv("WRK_CACHE_CONTROL") then
  wrk.headers["Cache-Control"] = os.getenv("WRK_CACHE_CONTROL")
end

local tokens = {}
for token in string.gmatch(os.getenv("WRK_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
wrk.headers["Authorization"] = "Bearer " .. tokens[1]

-- One token: wrk sends the same prepared request each time. Several: one prepared request per
-- token, in turn (defining request() makes wrk ask for every request).
if #tokens > 1 then
  local requests, turn = {}, 0
  function init()
    for i, token in ipairs(tokens) do
      wrk.headers["Authorization"] = "Bearer " .. token
      requests[i] = wrk.format()
    end
  end
  function request()
    turn = turn % #requests + 1
    return requests[turn]
  end
end

-- `refused`: responses with a status of 400 or more; latency percentiles in microseconds.
function done(summary, latency)
  local errors = summary.errors
  io.write(string.format(
    'wrk-result {"requests":%d,"durationUs":%d,"refused":%d,"brokenConnections":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
