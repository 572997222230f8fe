-- GET of wrk's URL, with BENCH_AUTHORIZATION as the Authorization header and BENCH_COOKIE as
-- the Cookie header when set.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   local authorization = os.getenv("BENCH_AUTHORIZATION")
   if authorization and authorization ~= "" then wrk.headers["Authorization"] = authorization end
   local cookie = os.getenv("BENCH_COOKIE")
   if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
end
