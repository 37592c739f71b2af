-- wrk script of bench/lib/load.py: the request comes from the environment, and `done` writes the run's
-- counts and latency percentiles (microseconds) as JSON to BENCH_OUT.
--   BENCH_METHOD     GET, POST, ...
--   BENCH_BODY_FILE  a file whose bytes are the request body (optional)
--   BENCH_HEADERS    "name: value" lines (optional)
--   BENCH_OUT        where to write the JSON summary
wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file ~= nil and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

local header_lines = os.getenv("BENCH_HEADERS")
if header_lines ~= nil then
  for line in header_lines:gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name ~= nil then wrk.headers[name] = value end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local f = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
  f:close()
end
