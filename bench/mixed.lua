-- wrk script for bench/load-mixed.sh and bench/soak.sh: one request kind per wrk process,
-- chosen by KIND; the clients come from the files mixed_fixture wrote to FIXTURE (a folder).
--
--   hello           GET /                                    (the ceiling; a static request)
--   staff_search    GET /staff/customers?q=                  (fitter, name / reference / email)
--   staff_customer  GET /staff/customers/{id}                (fitter, the customer page)
--   staff_measure   POST /staff/customers/{id}/measurements  (fitter saves a set: 303)
--   shop_products   GET /shop                                (signed-in customer)
--   shop_live       POST /shop/configure/road/live           (partial update: the patch our script applies;
--                                                            every other one has a conflict)
--   order           POST /api/v1/orders                      (sales channel; jersey -> push factory, road -> pull factory)
--   pull            GET /api/v1/work-orders?after=           (pull factory polling from its cursor:
--                                                            caught up at the start, then new work orders)
--   factory         claim -> ack -> in_production -> shipped (pull factory)
--
-- done() prints one line: RESULT kind requests seconds rps p50_ms p99_ms status_errors socket_errors
-- (status errors: 4xx/5xx, and any other status than the kind's success, e.g. a redirect to sign-in)
--
-- The page kinds and shop_live send POOL (512) requests built in init. CHECK=0 leaves the answers
-- unread (only 4xx/5xx then count); DELAY_MS paces each connection (the soak).
local kind = os.getenv("KIND") or "hello"
local dir = os.getenv("FIXTURE") or "."
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function rows(name)
  local out = {}
  local f = io.open(dir .. "/" .. name, "r")
  if not f then return out end
  for line in f:lines() do
    if #line > 0 then
      local fields = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(fields, field) end
      table.insert(out, fields)
    end
  end
  f:close()
  return out
end

local function slurp(path)
  local f = assert(io.open(path, "r"))
  local s = f:read("*a")
  f:close()
  return (s:gsub("%s+$", ""))
end

local function pick(list) return list[math.random(#list)] end

local function form_escape(s)
  return (s:gsub("[^%w%-_%.~]", function(c)
    if c == " " then return "+" end
    return string.format("%%%02X", string.byte(c))
  end))
end

local measured = "&unit_system=metric&m_stature=175.5&m_chest_girth=105.6&m_waist_girth=93.7&m_hip_girth=101.7"
  .. "&m_arm_length=59.2&m_body_mass=84.6&m_inside_leg=84.5&m_shoulder_width=41.5"
local road = "&o_frame_size=s56&o_frame_material=carbon&o_cable_routing=internal&o_groupset=shimano_ultegra_di2"
  .. "&o_axle=thru_12&o_wheel_size=700c&o_wheelset=carbon_disc_45&o_tyre=t28&o_crank=c175&o_chainrings=r52_36"
  .. "&o_cassette=k11_30&o_handlebar=h42&o_pedals=spd_sl&o_paint=black&o_stem_length=100&o_name_decal=MEI"

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  counter = 0
  prefix = "mx-" .. os.time() .. "-" .. (tid or 0) .. "-" .. math.random(1000000) .. "-"
  staff = rows("staff.tsv")
  shop = rows("shop.tsv")
  customers = rows("customers.tsv")
  key = os.getenv("KEY")
  factory_token = os.getenv("FACTORY_TOKEN")
  if kind == "order" then
    templates = { slurp("bench/mixed_cycling_jersey.json"), slurp("bench/mixed_road.json") }
  end
  cursor = os.getenv("PULL_CURSOR") or ""
  claimed, acked, producing = {}, {}, {}
  unexpected = 0
end

local function api_headers(token, extra)
  local h = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if extra then for k, v in pairs(extra) do h[k] = v end end
  return h
end

local function event(id, status)
  counter = counter + 1
  return wrk.format("POST", "/api/v1/work-orders/" .. id .. "/events",
    api_headers(factory_token, { ["Idempotency-Key"] = prefix .. counter }), '{"status":"' .. status .. '"}')
end

local requests = {
  staff_search = function()
    local s, c = pick(staff), pick(customers)
    local run, n = c[3]:match("Mixed Customer (%S+) (%d+)")
    local q = ({ c[3], c[2], "mixed." .. (run or "") .. "." .. (n or "") .. "@example.com" })[math.random(3)]
    return wrk.format("GET", "/staff/customers?q=" .. form_escape(q), { ["Cookie"] = s[1] })
  end,
  staff_customer = function()
    return wrk.format("GET", "/staff/customers/" .. pick(customers)[1], { ["Cookie"] = pick(staff)[1] })
  end,
  staff_measure = function()
    local s = pick(staff)
    return wrk.format("POST", "/staff/customers/" .. pick(customers)[1] .. "/measurements",
      { ["Cookie"] = s[1], ["Content-Type"] = "application/x-www-form-urlencoded" },
      "csrf_token=" .. s[2] .. measured)
  end,
  shop_products = function()
    return wrk.format("GET", "/shop", { ["Cookie"] = pick(shop)[1] })
  end,
  shop_live = function()
    counter = counter + 1
    local s = pick(shop)
    local brakes = (counter % 2 == 0) and "&o_brakes=rim_caliper" or "&o_brakes=disc_hydraulic"
    return wrk.format("POST", "/shop/configure/road/live",
      { ["Cookie"] = s[1], ["Content-Type"] = "application/x-www-form-urlencoded" }, s[2] .. road .. brakes)
  end,
  order = function()
    counter = counter + 1
    local body = templates[counter % 2 + 1]:gsub("CUSTOMER", pick(customers)[2], 1)
    return wrk.format("POST", "/api/v1/orders", api_headers(key, { ["Idempotency-Key"] = prefix .. counter }), body)
  end,
  pull = function()
    return wrk.format("GET", "/api/v1/work-orders?limit=50&after=" .. cursor, api_headers(factory_token))
  end,
  factory = function()
    local id = table.remove(producing)
    if id then return event(id, "shipped") end
    id = table.remove(acked)
    if id then return event(id, "in_production") end
    local c = table.remove(claimed)
    if c then
      return wrk.format("POST", "/api/v1/work-orders/" .. c[1] .. "/ack", api_headers(factory_token), '{"lease_token":"' .. c[2] .. '"}')
    end
    return wrk.format("POST", "/api/v1/work-orders/claim", api_headers(factory_token), '{"limit":10,"lease_seconds":300}')
  end,
}

-- hello stays a static request (no Lua per request), as a plain wrk run measures it.
if kind ~= "hello" then
  request = assert(requests[kind], "unknown KIND " .. kind)
end

-- The page kinds and the live update send requests built beforehand, as many as POOL (512),
-- picked at random as above: formatting each one in Lua cost the client more CPU than the
-- server spent on a small page, and both share the machine's cores.
local pooled = { staff_search = true, staff_customer = true, shop_products = true, shop_live = true }
if pooled[kind] then
  local make, n, i = request, tonumber(os.getenv("POOL") or "") or 512, 0
  request = function()
    i = i % n + 1
    return pool[i]
  end
  local setup_thread = init
  function init(args)
    setup_thread(args)
    pool = {}
    for j = 1, n do pool[j] = make() end
  end
end

local expected = {
  staff_search = 200, staff_customer = 200, staff_measure = 303, shop_products = 200,
  shop_live = 200, order = 201, pull = 200, factory = 200,
}

local handle = {
  pull = function(body)
    cursor = body:match('"next":"([^"]*)"') or cursor
  end,
  -- Responses come back in any order over the connections, so each is told by its body:
  -- a claim's items, or a work order in the state the last request put it in.
  factory = function(body)
    if body:sub(1, 9) == '{"items":' then
      for id, token in body:gmatch('"id":(%d+),"lease_expires_at":"[^"]*","lease_token":"([^"]+)"') do
        table.insert(claimed, { id, token })
      end
    else
      local id = body:match('"id":(%d+),')
      local state = body:match('"status":"([%w_]+)"')
      if id and state == "acknowledged" then
        table.insert(acked, id)
      elseif id and state == "in_production" then
        table.insert(producing, id)
      end
    end
  end,
}

-- A success of the wrong kind (a redirect to the sign-in page, a replayed order) is an error
-- too; 4xx and 5xx are counted by wrk itself.
-- CHECK=0 leaves the answers unread, as a plain wrk run does (hello world's): Lua then gets no
-- body, which for a page costs the client about what the server spends on it. Only the pooled
-- kinds do (the others need their answers, or check a status the page kinds cannot be confused
-- with); 4xx and 5xx are still counted, and load-mixed.sh checks every answer in a second pass.
local check = os.getenv("CHECK") ~= "0" or not pooled[kind]
if kind ~= "hello" and check then
  local want, on_body = expected[kind], handle[kind]
  function response(status, headers, body)
    if status ~= want then
      if status < 400 then unexpected = unexpected + 1 end
      return
    end
    if on_body then on_body(body) end
  end
end

-- DELAY_MS: each connection waits this long before each request (a moderate load for the soak).
local delay_ms = tonumber(os.getenv("DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
  function delay() return delay_ms end
end

function done(summary, latency, requests)
  local e = summary.errors
  local unexpected = 0
  for _, t in ipairs(threads) do unexpected = unexpected + (t:get("unexpected") or 0) end
  io.write(string.format("RESULT %s %d %.1f %.1f %.2f %.2f %d %d\n", kind, summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status + unexpected, e.connect + e.read + e.write + e.timeout))
end
