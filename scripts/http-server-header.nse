-- orbit's http-server-header: the Server header of a web server's answer (RFC 9110).
-- A version script: it only asks a port that version detection has not named (no
-- product, confidence of the name from the port table at most), as nmap's documents.
description = [[
Shows the HTTP Server header.
]]
categories = { "version" }

local shortport = require "shortport"
local http = require "orbit_http"

portrule = function(host, port)
  local v = port.version
  if type(v) == "table" and ((v.name_confidence or 0) > 3 or v.product) then return false end
  return shortport.http(host, port)
end

action = function(host, port)
  local resp = http.get(host, port, "/")
  if not resp or not resp.header or not resp.header["server"] then return nil end
  return resp.header["server"]
end
