-- wrk script for the API benchmark (bench/run.py drives it through environment variables).
--
--   BENCH_PATHS_FILE  optional: a file of request lines, "path<TAB>etag" (etag may be empty);
--                     requests cycle through them (each thread from its own offset)
--   BENCH_IF_NONE_MATCH=1  send each line's etag as If-None-Match
--   BENCH_HEADERS     extra headers, "Name: value" lines
--   BENCH_CREATE_CLAIMS=1  POST a new claim (JSON, with one appearance) on every request
--
-- Every response's status is counted; done() prints one line, "WRK_JSON {...}", with the
-- request count, errors, latency percentiles (microseconds) and the status counts, which
-- bench/run.py parses next to wrk's own text report.

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_number", thread_count)
   table.insert(threads, thread)
end

local paths = nil
local position = 1
local counter = 0
local create_claims = false
local if_none_match = false

local places = {"Busan", "Seoul", "Taipei", "Manila", "Hanoi", "Osaka", "Jakarta", "Dhaka"}
local subjects = {"fuel subsidies", "rice prices", "power outage", "exam results", "bird flu"}

function init(args)
   statuses = {}
   local number = thread_number or 1
   for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
      local name, value = line:match("^([^:]+):%s*(.*)$")
      if name then wrk.headers[name] = value end
   end
   local file = os.getenv("BENCH_PATHS_FILE")
   if file and file ~= "" then
      paths = {}
      for line in io.lines(file) do
         local path, etag = line:match("^([^\t]+)\t?(.*)$")
         if path then table.insert(paths, {path = path, etag = etag}) end
      end
      position = ((number - 1) * 7919) % #paths + 1
   end
   if_none_match = os.getenv("BENCH_IF_NONE_MATCH") == "1"
   create_claims = os.getenv("BENCH_CREATE_CLAIMS") == "1"
   if create_claims then
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
   end
   math.randomseed(os.time() + number)
   thread_tag = string.format("%d-%d", number, math.random(100000, 999999))
end

function request()
   counter = counter + 1
   if create_claims then
      local place = places[counter % #places + 1]
      local subject = subjects[counter % #subjects + 1]
      local body = string.format(
         '{"text":"Benchmark claim %s-%d: %s in %s were secretly cancelled last week.",' ..
         '"language":"en","claimant":"A benchmark account",' ..
         '"appearances":[{"url":"https://x.com/bench%s/status/%d","platform":"x"}]}',
         thread_tag, counter, subject, place, thread_tag, counter)
      return wrk.format(nil, nil, nil, body)
   end
   if paths then
      local entry = paths[position]
      position = position % #paths + 1
      local headers = nil
      if if_none_match then headers = {["If-None-Match"] = entry.etag} end
      return wrk.format(nil, entry.path, headers, nil)
   end
   return wrk.request()
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local merged = {}
   for _, thread in ipairs(threads) do
      local counted = thread:get("statuses") or {}
      for status, count in pairs(counted) do
         merged[status] = (merged[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(merged) do
      table.insert(parts, string.format('"%d":%d', status, count))
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p75":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f,"stdev":%.1f},' ..
      '"statuses":{%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, latency.stdev,
      table.concat(parts, ",")))
end
