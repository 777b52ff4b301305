-- wrk script: POST /predict with the image in a multipart part named "file", as the original client sent it.
-- The image path comes from the environment (BENCH_IMAGE); the summary line is parsed by the bench scripts.
-- Optional, for other upload forms (bench/replicas.sh posts the web app's Classify form):
--   BENCH_PART     name of the image part (default "file")
--   BENCH_FIELDS   more form fields, "name=value" lines
--   BENCH_HEADERS  more request headers, "Name: value" lines
local path = os.getenv("BENCH_IMAGE")
local file = assert(io.open(path, "rb"))
local image = file:read("*a")
file:close()

local boundary = "----allclassifierbench7MA4YWxkTrZu0gW"
local fields = ""
for name, value in (os.getenv("BENCH_FIELDS") or ""):gmatch("([^=\n]+)=([^\n]*)") do
  fields = fields .. "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n"
    .. value .. "\r\n"
end
for name, value in (os.getenv("BENCH_HEADERS") or ""):gmatch("([^:\n]+):%s*([^\n]*)") do
  wrk.headers[name] = value
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = fields .. "--" .. boundary .. "\r\n"
  .. "Content-Disposition: form-data; name=\"" .. (os.getenv("BENCH_PART") or "file") .. "\"; filename=\"smear.jpg\"\r\n"
  .. "Content-Type: image/jpeg\r\n\r\n"
  .. image .. "\r\n"
  .. "--" .. boundary .. "--\r\n"

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("WRK rps=%.2f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, non2xx, socket))
end
