-- orbit's http-server-header: the Server header of a web server's answer (RFC 9110).
description = [[
Shows the HTTP Server header.
]]
categories = { "version" }

local shortport = require "shortport"
local http = require "orbit_http"

portrule = shortport.http

action = function(host, port)
  local resp = http.get(host, port, "/")
  if not resp or not resp.header or not resp.header["server"] then return nil end
  return resp.header["server"]
end
