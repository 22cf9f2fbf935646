-- POST /api/bookings from a file of distinct free slots: `-- slots=FILE threads=N`.
-- Each line is "token<TAB>json body"; thread i (1-based) takes lines i, i+N, i+2N, ... and
-- hands them out one per request, so no two requests of the run ask for the same slot.
-- When a thread has used all of its lines it starts again (those requests then get 409 and
-- the result says slots_short).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local mine = {}
local next_slot = 0

function init(args)
  local options = parse_args(args)
  local threads = tonumber(options.threads or "1")
  local number = 0
  for line in io.lines(options.slots) do
    if line ~= "" then
      number = number + 1
      if (number - 1) % threads == tid - 1 then
        local token, body = line:match("^([^\t]+)\t(.*)$")
        mine[#mine + 1] = {token = token, body = body}
      end
    end
  end
  if #mine == 0 then error("no slots for thread " .. tid .. " in " .. options.slots) end
end

function request()
  next_slot = next_slot + 1
  if next_slot > #mine then
    next_slot = 1
    slots_short = true
  end
  local slot = mine[next_slot]
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. slot.token,
    ["Content-Type"] = "application/json",
  }, slot.body)
end
