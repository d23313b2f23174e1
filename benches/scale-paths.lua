-- wrk script of benches/scale.sh: cycles through the request paths listed,
-- one a line, in the file named by $SCALE_PATHS. Each thread starts at a
-- different place in the list, so the threads do not ask for the same
-- (expensive) query at the same moment.

local paths = {}
local file = assert(io.open(os.getenv("SCALE_PATHS") or "paths.txt", "r"))
for line in file:lines() do
    if line ~= "" then paths[#paths + 1] = line end
end
file:close()
assert(#paths > 0, "no paths in $SCALE_PATHS")

local threads = 0
function setup(thread)
    thread:set("offset", threads * 3)
    threads = threads + 1
end

local i = 0
function init(args)
    i = offset or 0
end

function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
