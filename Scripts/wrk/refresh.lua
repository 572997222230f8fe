-- refresh_token grant: each request rotates a fresh token from the pool (BENCH_POOL).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   tokens = pool_for_thread()
   index = 0
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
end

function request()
   index = index + 1
   return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. (tokens[index] or "exhausted"))
end
