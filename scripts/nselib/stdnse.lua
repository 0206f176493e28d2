-- stdnse: helpers for scripts (orbit's own, with NSE's names): ordered output tables,
-- script arguments, hex, debug output (silent: orbit has no script tracing yet).
local nmap = require "nmap"

local stdnse = {}

-- A table that remembers the order its keys were set in (pairs follows it), as the
-- outputs print them.
function stdnse.output_table()
  local keys, values = {}, {}
  local mt = {}
  mt.__newindex = function(_, k, v)
    if values[k] == nil and v ~= nil then keys[#keys + 1] = k end
    if v == nil and values[k] ~= nil then
      for i, key in ipairs(keys) do
        if key == k then table.remove(keys, i) break end
      end
    end
    values[k] = v
  end
  mt.__index = values
  mt.__pairs = function()
    local i = 0
    return function()
      i = i + 1
      local k = keys[i]
      if k ~= nil then return k, values[k] end
    end
  end
  mt.__len = function() return #values end
  mt.orbit_ordered = true
  return setmetatable({}, mt)
end

-- The values of the named arguments: "script.name" as given, or "name" alone.
function stdnse.get_script_args(...)
  local args = nmap.registry.args
  local out = {}
  local n = select("#", ...)
  for i = 1, n do
    local name = select(i, ...)
    local default
    if type(name) == "table" then name, default = name[1], name[2] end
    local v = args[name]
    if v == nil then
      local short = name:match("^[^.]+%.(.+)$")
      if short then v = args[short] end
    end
    if v == nil then v = default end
    out[i] = v
  end
  return table.unpack(out, 1, n)
end

function stdnse.debug(...) end
function stdnse.debug1(...) end
function stdnse.debug2(...) end
function stdnse.verbose(...) end
function stdnse.print_debug(...) end
function stdnse.print_verbose(...) end

function stdnse.tohex(s, options)
  options = options or {}
  local hex = s:gsub(".", function(c) return string.format("%02x", c:byte()) end)
  if options.separator then
    local group = options.group or 2
    local parts = {}
    for i = 1, #hex, group do parts[#parts + 1] = hex:sub(i, i + group - 1) end
    hex = table.concat(parts, options.separator)
  end
  return hex
end

function stdnse.fromhex(hex)
  hex = hex:gsub("[^%x]", "")
  return (hex:gsub("%x%x", function(b) return string.char(tonumber(b, 16)) end))
end

function stdnse.strsplit(pattern, text)
  local list, pos = {}, 1
  while true do
    local s, e = text:find(pattern, pos)
    if not s then list[#list + 1] = text:sub(pos) break end
    list[#list + 1] = text:sub(pos, s - 1)
    pos = e + 1
  end
  return list
end

function stdnse.strjoin(sep, list) return table.concat(list, sep) end

function stdnse.get_hostname(host)
  if type(host) ~= "table" then return host end
  return host.targetname or (host.name ~= "" and host.name) or host.ip
end

function stdnse.format_output(status, data)
  if not status then return "ERROR: " .. tostring(data) end
  return data
end

return stdnse
