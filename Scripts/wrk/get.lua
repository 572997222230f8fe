-- GET of wrk's URL, with BENCH_AUTHORIZATION as the Authorization header when set.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   local authorization = os.getenv("BENCH_AUTHORIZATION")
   if authorization and authorization ~= "" then wrk.headers["Authorization"] = authorization end
end
