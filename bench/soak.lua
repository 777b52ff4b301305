-- wrk script for the soak: three /predict for every /feedback, each with the image of BENCH_IMAGE, as the
-- original client sent them. Prints one summary line (parsed by soak.sh) with the count of 5xx answers.
local file = assert(io.open(os.getenv("BENCH_IMAGE"), "rb"))
local image = file:read("*a")
file:close()

local boundary = "----allclassifiersoak5Qx8Lr0"
local headers = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end
local file_part = "--" .. boundary .. "\r\n"
  .. "Content-Disposition: form-data; name=\"file\"; filename=\"smear.jpg\"\r\n"
  .. "Content-Type: image/jpeg\r\n\r\n" .. image .. "\r\n"
local closing = "--" .. boundary .. "--\r\n"
local predict, feedback

-- Formatted once wrk has set the Host header, which wrk.format copies into each request.
function init(args)
  predict = wrk.format("POST", "/predict", headers, file_part .. closing)
  feedback = wrk.format("POST", "/feedback", headers, part("correct_label", "Pre") .. part("predicted_label", "Pro") .. file_part .. closing)
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local sent = 0
server_errors = 0
function request()
  sent = sent + 1
  if sent % 4 == 0 then return feedback end
  return predict
end

function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
end

function done(summary, latency, requests)
  local fivexx = 0
  for _, thread in ipairs(threads) do fivexx = fivexx + thread:get("server_errors") end
  io.write(string.format("WRK rps=%.2f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d fivexx=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status, fivexx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
