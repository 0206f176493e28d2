-- orbit's finger: the user list a finger server gives to an empty query (RFC 1288).
description = [[
Asks a finger server for its list of users.
]]
categories = { "default", "discovery", "safe" }

local nmap = require "nmap"
local shortport = require "shortport"

portrule = shortport.port_or_service(79, "finger")

action = function(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(5000)
  if not sock:connect(host, port) then return nil end
  sock:send("\r\n")
  local parts = {}
  while true do
    local ok, data = sock:receive()
    if not ok then break end
    parts[#parts + 1] = data
    if #table.concat(parts) > 65536 then break end
  end
  sock:close()
  local text = table.concat(parts)
  if #text == 0 then return nil end
  return text
end
