-- GET with a session: `-- bearer=TOKEN` (Authorization: Bearer) or `-- cookie=name=TOKEN`.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

function init(args)
  local options = parse_args(args)
  if options.bearer then wrk.headers["Authorization"] = "Bearer " .. options.bearer end
  if options.cookie then wrk.headers["Cookie"] = options.cookie end
end
