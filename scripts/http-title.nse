-- orbit's http-title: the <title> of the web page at "/", following a redirect within
-- the same host. Written from HTTP/1.1 (RFC 9110/9112) and HTML.
description = [[
Shows the title of the default page of a web server.
]]
categories = { "default", "discovery", "safe" }

local http = require "orbit_http"
local shortport = require "shortport"
local stdnse = require "stdnse"

portrule = shortport.http

local function entity_decode(s)
  local named = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'", nbsp = "\194\160" }
  return (s:gsub("&(#?x?)(%w+);", function(kind, code)
    if kind == "#" then return utf8.char(tonumber(code) or 63) end
    if kind == "#x" then return utf8.char(tonumber(code, 16) or 63) end
    return named[code:lower()]
  end))
end

action = function(host, port)
  local resp = http.get(host, port, "/")
  if not resp or not resp.status then return nil end
  local redirect
  if resp.status >= 300 and resp.status < 400 and resp.header["location"] then
    redirect = resp.header["location"]
    local path = redirect:match("^https?://[^/]*(/.*)$") or redirect:match("^(/.*)$")
    local same = redirect:match("^/") or redirect:match("^https?://" .. host.ip:gsub("%.", "%%.") .. "[:/]")
    if path and same then
      local next = http.get(host, port, path)
      if next and next.status then resp = next end
    end
  end
  local title = resp.body and resp.body:match("<[Tt][Ii][Tt][Ll][Ee][^>]*>([^<]*)<")
  local out = stdnse.output_table()
  local display
  if title then
    title = entity_decode(title):gsub("[\r\n\t]+", " "):gsub("^%s+", ""):gsub("%s+$", "")
    if #title > 65 then title = title:sub(1, 65) .. "..." end
    out.title = title
    display = title
  else
    local ctype = resp.header["content-type"]
    display = "Site doesn't have a title" .. (ctype and (" (" .. ctype:gsub(";.*", "") .. ")") or "") .. "."
  end
  if redirect then
    out.redirect_url = redirect
    display = display .. "\nRequested resource was " .. redirect
  end
  return out, display
end
