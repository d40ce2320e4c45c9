-- wrk plays a request list of bench/urls.py: every request the next line of the list, so no
-- two requests of a run are the same URL until the list is used up (then it starts again).
--
--   wrk -t2 -c32 -d15s -s bench/requests.lua http://127.0.0.1:3901 -- LIST API_KEY THREADS
--
-- A line is METHOD, PATH, BODY, IF-NONE-MATCH separated by tabs (the last two may be empty).
-- The threads start at evenly spaced places in the list, shifted by a random amount on each
-- run, so that they do not ask the same lines and repeated runs do not start where the last
-- one did.

-- setup runs in wrk's main Lua state, once per thread; thread:set makes globals in the thread's.
local started, offset = 0, nil

function setup(thread)
  if not offset then
    math.randomseed(os.time() + math.floor(os.clock() * 1000000))
    offset = math.random()
  end
  started = started + 1
  thread:set("thread_index", started)
  thread:set("thread_shift", offset)
end

local methods, paths, bodies, tags = {}, {}, {}, {}
local count, position = 0, 0
local plain, conditional, with_body

function init(args)
  local list, key, threads = args[1], args[2], tonumber(args[3] or "1")
  for line in io.lines(list) do
    local method, path, body, tag = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?([^\t]*)$")
    if method then
      count = count + 1
      methods[count], paths[count] = method, path
      bodies[count] = body ~= "" and body or nil
      tags[count] = tag ~= "" and tag or nil
    end
  end
  assert(count > 0, "no requests in " .. list)
  position = math.floor(((thread_index - 1) + thread_shift) * count / threads) % count
  plain = { ["X-Redmine-API-Key"] = key }
  conditional = { ["X-Redmine-API-Key"] = key }
  with_body = { ["X-Redmine-API-Key"] = key, ["Content-Type"] = "application/json" }
end

function request()
  position = position % count + 1
  local headers = plain
  if bodies[position] then
    headers = with_body
  elseif tags[position] then
    headers = conditional
    conditional["If-None-Match"] = tags[position]
  end
  return wrk.format(methods[position], paths[position], headers, bodies[position])
end
