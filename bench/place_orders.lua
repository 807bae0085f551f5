-- wrk script: order placement through the sales-channel API, a fresh Idempotency-Key per
-- request. KEY (channel API key) comes from the environment, and CUSTOMERS_FILE (customer
-- references, one per line; each request picks one at random) or CUSTOMER (just one).
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  key = os.getenv("KEY")
  customers = {}
  local file = os.getenv("CUSTOMERS_FILE")
  if file then
    for line in io.lines(file) do
      if #line > 0 then table.insert(customers, line) end
    end
  end
  if #customers == 0 then customers = { os.getenv("CUSTOMER") } end
  math.randomseed(os.time() + tid)
  prefix = "load-" .. tostring(os.time()) .. "-" .. tostring(tid) .. "-"
  counter = 0
  failed = 0
  rest = '","product":"cycling_jersey",'
    .. '"choices":{"cut":"men","fit":"club","sleeve":"short","fabric":"standard","zip":"full","body_colour":"navy","panel_colour":"black","name_print":"ANA"},'
    .. '"measurements":{"stature":1755,"chest_girth":1056,"waist_girth":937,"hip_girth":1017,'
    .. '"arm_length":592,"body_mass":84600,"inside_leg":845,"shoulder_width":415}}'
end

function request()
  counter = counter + 1
  local body = '{"customer_reference":"' .. customers[math.random(#customers)] .. rest
  return wrk.format("POST", "/api/v1/orders", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = prefix .. counter,
  }, body)
end

function response(status, headers, body)
  if status ~= 201 then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local failures = 0
  for _, t in ipairs(threads) do
    failures = failures + t:get("failed")
  end
  io.write(string.format("orders/s %.0f; p50 %.2f ms; p99 %.2f ms; max %.2f ms; requests %d; not 201: %d; socket errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, failures,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
