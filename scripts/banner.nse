-- orbit's banner: what a TCP service says first, when it speaks before the client.
description = [[
Shows the first bytes a TCP service sends after the connection opens.
]]
categories = { "discovery", "safe" }

local nmap = require "nmap"

portrule = function(host, port)
  return port.protocol == "tcp" and port.state == "open"
end

local function printable(s)
  return (s:gsub("[^\32-\126]", function(c)
    if c == "\r" then return "\\x0D" end
    if c == "\n" then return "\\x0A" end
    if c == "\t" then return "\\x09" end
    return string.format("\\x%02X", c:byte())
  end))
end

action = function(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(5000)
  if not sock:connect(host, port) then return nil end
  local ok, data = sock:receive()
  sock:close()
  if not ok or #data == 0 then return nil end
  data = data:gsub("[\r\n]+$", "")
  if #data > 80 then data = data:sub(1, 80) .. "..." end
  return printable(data)
end
