-- A small HTTP/1.1 client for orbit's scripts (written from RFC 9112): one request per
-- connection, Content-Length, chunked or read-to-close bodies, a cap on what is read.
local nmap = require "nmap"

local M = {}
local MAX_BODY = 512 * 1024

local function parse_head(head)
  local status_line, rest = head:match("^([^\r\n]*)\r?\n(.*)$")
  status_line = status_line or head
  local version, code, reason = status_line:match("^HTTP/(%d%.%d)%s+(%d%d%d)%s*(.*)$")
  if not code then return nil end
  local resp = { status = tonumber(code), version = version, reason = reason,
    ["status-line"] = status_line .. "\r\n", header = {}, rawheader = {} }
  for line in (rest or ""):gmatch("[^\r\n]+") do
    local k, v = line:match("^([^:]+):%s*(.-)%s*$")
    if k then
      k = k:lower()
      resp.rawheader[#resp.rawheader + 1] = line
      resp.header[k] = resp.header[k] and (resp.header[k] .. ", " .. v) or v
    end
  end
  return resp
end

local function dechunk(body)
  local out, pos = {}, 1
  while true do
    local size, after = body:match("^(%x+)[^\r\n]*\r?\n()", pos)
    if not size then return nil end
    size = tonumber(size, 16)
    if size == 0 then return table.concat(out) end
    out[#out + 1] = body:sub(after, after + size - 1)
    pos = after + size
    pos = body:match("^\r?\n()", pos) or pos
  end
end

-- Sends one request; returns the response table (status, header, body) or nil, why.
function M.request(host, port, method, path, options)
  options = options or {}
  local sock = nmap.new_socket()
  sock:set_timeout(options.timeout or 8000)
  local tunnel = type(port) == "table" and port.version and port.version.service_tunnel == "ssl"
    and "ssl" or nil
  local ok, err = sock:connect(host, port, tunnel)
  if not ok then return nil, err end
  local hostname = type(host) == "table" and (host.targetname or host.ip) or host
  local lines = { method .. " " .. path .. " HTTP/1.1", "Host: " .. hostname,
    "User-Agent: Mozilla/5.0 (compatible; orbit scripting engine)",
    "Connection: close" }
  for k, v in pairs(options.header or {}) do lines[#lines + 1] = k .. ": " .. v end
  ok, err = sock:send(table.concat(lines, "\r\n") .. "\r\n\r\n")
  if not ok then sock:close() return nil, err end
  local data = ""
  local head_end
  while true do
    head_end = data:find("\r?\n\r?\n")
    if head_end then break end
    local got, chunk = sock:receive()
    if not got then break end
    data = data .. chunk
    if #data > 65536 then break end
  end
  if not head_end then sock:close() return nil, "no header" end
  local head = data:sub(1, head_end - 1)
  local body = data:sub(data:find("\r?\n\r?\n") + #data:match("\r?\n\r?\n", head_end))
  local resp = parse_head(head)
  if not resp then sock:close() return nil, "not HTTP" end
  local length = tonumber(resp.header["content-length"] or "")
  local chunked = (resp.header["transfer-encoding"] or ""):lower():find("chunked")
  if method ~= "HEAD" and resp.status ~= 204 and resp.status ~= 304 then
    while #body < MAX_BODY do
      if length and #body >= length then break end
      if chunked and body:find("\r?\n0\r?\n\r?\n") then break end
      if chunked and body:find("^0\r?\n\r?\n") then break end
      local got, chunk = sock:receive()
      if not got then break end
      body = body .. chunk
    end
    if chunked then body = dechunk(body) or body end
    if length then body = body:sub(1, length) end
  else
    body = ""
  end
  sock:close()
  resp.body = body
  return resp
end

function M.get(host, port, path, options) return M.request(host, port, "GET", path, options) end
function M.head(host, port, path, options) return M.request(host, port, "HEAD", path, options) end
function M.generic_request(host, port, method, path, options)
  return M.request(host, port, method, path, options)
end

return M
