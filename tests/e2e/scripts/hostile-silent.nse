-- Waits for a server that never speaks (redis waits for a command), with a socket
-- timeout longer than the script's limit.
categories = { "hostile" }
portrule = function(host, port) return port.number == 6379 end
action = function(host, port)
  local s = require("nmap").new_socket()
  s:set_timeout(600000)
  assert(s:connect(host, port))
  local ok, err = s:receive_bytes(1 << 20)
  return "answered: " .. tostring(err)
end
