-- ecs.lua - wrk script for ecsd's benchmark (bench/run.sh).
--
--   wrk ... -s bench/wrk/ecs.lua http://127.0.0.1:PORT -- OPERATION 'JSON BODY'
--   wrk ... -s bench/wrk/ecs.lua http://127.0.0.1:PORT -- healthz
--
-- OPERATION is an ECS operation name (DescribeClusters, ...): every request
-- is POST / with the AWS JSON 1.1 headers and the body given. "healthz"
-- sends GET /healthz instead (the load generator's own ceiling).
--
-- The request is the same every time, so it is built once per thread (no
-- request() function: no Lua runs per request). The Authorization header
-- has the shape of a SigV4 signature; neither ecsd (yet) nor moto checks
-- it, but both servers get the same header bytes, so later authenticated
-- runs stay comparable.
--
-- done() prints one machine-readable line, "BENCH {json}", that run.sh reads
-- (it runs in wrk's main Lua state, where init() was not called).

local op = "healthz"

function init(args)
   op = args[1] or "healthz"
   if op == "healthz" then
      wrk.method = "GET"
      wrk.path = "/healthz"
      wrk.body = nil
      return
   end
   local body = args[2] or "{}"
   local date = "20250101T000000Z"
   wrk.method = "POST"
   wrk.path = "/"
   wrk.body = body
   wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
   wrk.headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113." .. op
   wrk.headers["X-Amz-Date"] = date
   wrk.headers["Authorization"] =
      "AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE/20250101/us-east-1/ecs/aws4_request, " ..
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, " ..
      "Signature=0000000000000000000000000000000000000000000000000000000000000000"
   wrk.headers["User-Agent"] = "ecsd-bench/1 (wrk)"
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"seconds":%.3f,"rps":%.1f,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
      '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      e.connect, e.read, e.write, e.status, e.timeout))
end
