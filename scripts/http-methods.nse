-- orbit's http-methods: the methods a web server says it allows (OPTIONS and its Allow
-- header, RFC 9110), and which of them are risky on a public server.
description = [[
Lists the HTTP methods the server allows, marking the potentially risky ones.
]]
categories = { "default", "safe" }

local shortport = require "shortport"
local stdnse = require "stdnse"
local http = require "orbit_http"

portrule = shortport.http

local SAFE = { GET = true, HEAD = true, POST = true, OPTIONS = true }

action = function(host, port)
  local path = stdnse.get_script_args("http-methods.url-path") or "/"
  local resp = http.request(host, port, "OPTIONS", path)
  if not resp or not resp.header then return nil end
  local allow = resp.header["allow"] or resp.header["public"]
  if not allow then return nil end
  local methods, risky = {}, {}
  for m in allow:gmatch("[^,%s]+") do
    methods[#methods + 1] = m
    if not SAFE[m:upper()] then risky[#risky + 1] = m end
  end
  if #methods == 0 then return nil end
  local out = stdnse.output_table()
  out["Supported Methods"] = methods
  if #risky > 0 then out["Potentially risky methods"] = risky end
  local lines = { "\n  Supported Methods: " .. table.concat(methods, " ") }
  if #risky > 0 then lines[#lines + 1] = "  Potentially risky methods: " .. table.concat(risky, " ") end
  return out, table.concat(lines, "\n")
end
