-- Sign-in storm: each request posts a prepared login form (BENCH_POOL: one "cookie<TAB>form"
-- per line, the browser's binding cookie and its form), cycling through the pool: a refused
-- form (503) is still good, a used one answers the expired page. Counts the answers by kind.
-- BENCH_CONTENT_TYPE and BENCH_SUCCESS (statuses, comma-separated) change what is posted and
-- what counts as signed in: the passkey storm posts JSON assertions, answered 200.
-- A client refused with 503 tries again after its Retry-After (half to one and a half times
-- it, as people do, not all at once); a client that signed in starts the next sign-in at once,
-- unless BENCH_PACE_MS is set: then the clients are people arriving on their own, each posting
-- its first form after up to that long and every next one about that long (half to one and a
-- half times) after the last answer, so that the connections divided by the pace is the rate
-- that arrives, whatever the server's latency (as long as it stays well below the pace).
local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

function init(args)
   local count = tonumber(os.getenv("BENCH_THREADS") or "1")
   forms, index = {}, 0
   local i = 0
   for line in io.lines(os.getenv("BENCH_POOL")) do
      if i % count == (id - 1) then
         local tab = line:find("\t", 1, true)
         forms[#forms + 1] = { cookie = line:sub(1, tab - 1), body = line:sub(tab + 1) }
      end
      i = i + 1
   end
   signed_in, refused, other, other_status = 0, 0, 0, 0
   pauses = {}
   pace = tonumber(os.getenv("BENCH_PACE_MS") or "0")
   math.randomseed(id)
   success = {}
   for status in (os.getenv("BENCH_SUCCESS") or "302,303"):gmatch("%d+") do success[tonumber(status)] = true end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/x-www-form-urlencoded"
end

function request()
   index = index % #forms + 1
   local form = forms[index]
   -- Headers given to wrk.format replace wrk.headers: Host and Content-Type are copied.
   local headers = { ["Cookie"] = form.cookie }
   for name, value in pairs(wrk.headers) do headers[name] = value end
   return wrk.format(nil, nil, headers, form.body)
end

-- The pause before a connection's next request. wrk asks each connection when it is ready to
-- send again, after the answers of the loop's turn have been read: one pause is owed for every
-- refusal read (paced: for every answer read), and each goes to the next connection that asks;
-- before any answer, a paced connection waits a random part of the pace, so that the people
-- do not all arrive in the first instant.
function delay()
   return table.remove(pauses, 1) or pace * math.random()
end

function response(status, headers, body)
   if success[status] then
      signed_in = signed_in + 1
      if pace > 0 then pauses[#pauses + 1] = pace * (0.5 + math.random()) end
   elseif status == 503 then
      refused = refused + 1
      pauses[#pauses + 1] = (tonumber(headers["Retry-After"]) or 1) * 1000 * (0.5 + math.random())
   else
      other = other + 1
      other_status = status
      if pace > 0 then pauses[#pauses + 1] = pace * (0.5 + math.random()) end
   end
end

function done(summary, latency, requests)
   local s, r, o, last = 0, 0, 0, 0
   for _, thread in ipairs(threads) do
      s = s + thread:get("signed_in")
      r = r + thread:get("refused")
      o = o + thread:get("other")
      if thread:get("other_status") ~= 0 then last = thread:get("other_status") end
   end
   local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
   io.write(string.format(
      '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d,"signed_in":%d,"refused":%d,"other":%d,"other_status":%d}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, s, r, o, last))
end
