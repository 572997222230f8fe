-- authorization_code exchange: each request redeems a fresh code from the pool (BENCH_POOL),
-- all bound to one PKCE verifier (BENCH_VERIFIER) and redirect URI (BENCH_REDIRECT).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   codes = pool_for_thread()
   index = 0
   suffix = "&redirect_uri=" .. os.getenv("BENCH_REDIRECT") .. "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
end

function request()
   index = index + 1
   return wrk.format(nil, nil, nil, "grant_type=authorization_code&code=" .. (codes[index] or "exhausted") .. suffix)
end
