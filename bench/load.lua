-- wrk script of bench/load.sh: readers polling one live page's changes.json.
--   wrk ... -s bench/load.lua http://127.0.0.1:PORT/live/load-test/changes.json -- <version>
-- Each request asks what changed since a version a reader could hold: the newest version seen
-- in an answer, or up to 10 behind it (readers whose last poll was a while ago); one in twenty is
-- a reader arriving (since=0). Answers are counted by status; done() prints the figures.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  latest = tonumber(args[1]) or 1
  c2xx, c304, c4xx, c503, c5xx, cother = 0, 0, 0, 0, 0, 0
  math.randomseed(os.time() + tonumber(tostring(wrk.thread):match("0x(%x+)") or "0", 16) % 1000)
end

function request()
  local since = 0
  if math.random(20) > 1 then
    since = math.max(0, latest - math.random(0, 10))
  end
  return wrk.format("GET", wrk.path .. "?since=" .. since)
end

function response(status, headers, body)
  if status == 304 then
    c304 = c304 + 1
  elseif status >= 200 and status < 300 then
    c2xx = c2xx + 1
    local version = tonumber(body:match('"version": (%d+)'))
    if version and version > latest then latest = version end
  elseif status == 503 then
    c503 = c503 + 1
  elseif status >= 500 then
    c5xx = c5xx + 1
  elseif status >= 400 then
    c4xx = c4xx + 1
  else
    cother = cother + 1
  end
end

function done(summary, latency, requests)
  local t = {c2xx = 0, c304 = 0, c4xx = 0, c503 = 0, c5xx = 0, cother = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do
      t[name] = t[name] + (thread:get(name) or 0)
    end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT throughput requests %d seconds %.1f rps %.1f\n",
    summary.requests, seconds, summary.requests / seconds))
  io.write(string.format("RESULT latency_ms p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("RESULT status 2xx %d 304 %d 4xx %d 503 %d other_5xx %d other %d\n",
    t.c2xx, t.c304, t.c4xx, t.c503, t.c5xx, t.cother))
  io.write(string.format("RESULT socket_errors connect %d read %d write %d timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
end
