-- Token introspection (RFC 7662) of one access token (BENCH_TOKEN) by a resource server.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
   wrk.body = "token=" .. os.getenv("BENCH_TOKEN")
end
