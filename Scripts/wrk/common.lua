-- Shared by the scenario scripts: per-thread ids, and one JSON line of results at the end.
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
end

-- Lines of the file named by BENCH_POOL that belong to this thread (each value is used once).
function pool_for_thread()
   local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
   local values, i = {}, 0
   for line in io.lines(os.getenv("BENCH_POOL")) do
      if i % threads == (id - 1) then values[#values + 1] = line end
      i = i + 1
   end
   return values
end

function done(summary, latency, requests)
   local errors = summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout
   io.write(string.format(
      '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
