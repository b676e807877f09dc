-- wrk script: every connection sends its own request line (own token, optionally own path/host).
--
-- wrk exposes no connection identity to Lua, but each thread owns its connections. So the harness
-- runs one thread per connection (-t N -c N) when it wants exactly one token per connection: setup()
-- numbers the threads, init() gives thread i the i-th line of the request file, and request() returns
-- that thread's (prebuilt) request forever. With fewer threads than lines, each thread takes every
-- T-th line and request() cycles through its share, so every line is still sent equally often.
--
-- args (after --): <request file> <delay ms, 0 = none> <thread count> [fixed|exp]
-- exp: think times drawn from an exponential distribution with that mean, so arrivals can bunch as
-- they do in real traffic (a fixed think time per connection spaces them out and hides queueing).
-- request file: one line per request: <host or -> TAB <path> TAB <token or ->
-- done() prints one machine-readable line "BENCH-JSON {...}" with exact percentiles (µs).

-- wrk calls setup(thread) in the main state and then init(args) in that thread, one thread at a
-- time, so the thread count is not known in init(): the harness passes it as the 3rd argument.
local counter = 0

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

local reqs = {}
local n = 0
local i = 0
local pause = 0

function init(args)
  local file = args[1]
  pause = tonumber(args[2] or "0") or 0
  local total = tonumber(args[3] or "1") or 1
  local exponential = args[4] == "exp"
  local lines = {}
  for line in io.lines(file) do
    if #line > 0 then table.insert(lines, line) end
  end
  for idx = 1, #lines do
    if (idx - 1) % total == thread_index % total then
      local host, path, token = lines[idx]:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
      local headers = {}
      if host ~= "-" then headers["Host"] = host end
      if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
      table.insert(reqs, wrk.format("GET", path, headers))
    end
  end
  -- Only define delay() when pacing: wrk routes every request through a timer once it exists
  -- (it checks for it after thread 0's init).
  if pause > 0 and exponential then
    math.randomseed(os.time() * 1000 + thread_index)
    -- inverse CDF; 1 - random() is in (0, 1], so log() stays finite. wrk takes whole ms.
    delay = function() return math.floor(-pause * math.log(1 - math.random()) + 0.5) end
  elseif pause > 0 then
    delay = function() return pause end
  end
  n = #reqs
  if n == 0 then
    -- more threads than lines: reuse the thread's line modulo the count
    local idx = (thread_index % #lines) + 1
    local host, path, token = lines[idx]:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    local headers = {}
    if host ~= "-" then headers["Host"] = host end
    if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
    reqs = { wrk.format("GET", path, headers) }
    n = 1
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end


function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, e.connect, e.read, e.write, e.timeout, e.status))
end
