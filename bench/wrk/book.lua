-- POST /api/bookings from a file of distinct free slots: `-- slots=FILE threads=N offset=K`.
-- Each line is "token<TAB>json body"; thread i (1-based) takes lines i, i+N, i+2N, ... and
-- hands them out one per request, so no two requests of the run ask for the same slot.
-- A run starts after line K (the lines up to K belong to earlier runs, whose last requests
-- may still be finishing on the server); the result's last_line is the next run's K.
-- A thread that has used all of its lines starts again (those requests then get 409 and
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
        mine[#mine + 1] = {token = token, body = body, number = number}
      end
    end
  end
  if #mine == 0 then error("no slots for thread " .. tid .. " in " .. options.slots) end
  local offset = tonumber(options.offset or "0") % number
  next_slot = 0
  for index, slot in ipairs(mine) do
    if slot.number > offset then
      next_slot = index - 1
      break
    end
  end
end

local used = 0

function request()
  next_slot = next_slot % #mine + 1
  used = used + 1
  if used > #mine then slots_short = true end
  local slot = mine[next_slot]
  if slot.number > last_line then last_line = slot.number end
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. slot.token,
    ["Content-Type"] = "application/json",
  }, slot.body)
end
