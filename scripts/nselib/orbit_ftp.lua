-- FTP control connection helpers for orbit's scripts (written from RFC 959): replies
-- with their code (multi-line "123-" ... "123 " replies joined), commands, passive data.
local nmap = require "nmap"

local M = {}

-- Reads one reply: code (number) and its lines (without CRLF), or nil.
function M.read_reply(c)
  local lines = {}
  local code
  while true do
    local nl = c.buf:find("\n")
    if nl then
      local line = c.buf:sub(1, nl - 1):gsub("\r$", "")
      c.buf = c.buf:sub(nl + 1)
      lines[#lines + 1] = line
      local num, sep = line:match("^(%d%d%d)([ -]?)")
      if not code and num then code = num end
      if code and num == code and sep ~= "-" and (#lines > 1 or sep == " " or sep == "") then
        return tonumber(code), lines
      end
    else
      if #c.buf > 65536 then return nil end
      local ok, data = c.sock:receive()
      if not ok then return nil end
      c.buf = c.buf .. data
    end
  end
end

function M.connect(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(8000)
  if not sock:connect(host, port) then return nil end
  local c = { sock = sock, buf = "" }
  local code, lines = M.read_reply(c)
  if not code or code >= 400 then sock:close() return nil end
  c.banner = lines
  return c
end

function M.command(c, cmd)
  if not c.sock:send(cmd .. "\r\n") then return nil end
  return M.read_reply(c)
end

-- USER anonymous / PASS: the final code and lines.
function M.login_anonymous(c)
  local code, lines = M.command(c, "USER anonymous")
  if code == 331 then code, lines = M.command(c, "PASS IEUser@") end
  return code, lines
end

-- The output of a data command (LIST, NLST ...) over passive mode, or nil.
function M.passive_data(c, host, cmd)
  local code, lines = M.command(c, "PASV")
  if code ~= 227 then return nil end
  local p1, p2 = lines[1]:match("%(%d+,%d+,%d+,%d+,(%d+),(%d+)%)")
  if not p1 then return nil end
  local data = nmap.new_socket()
  data:set_timeout(8000)
  if not data:connect(host, tonumber(p1) * 256 + tonumber(p2)) then return nil end
  code = M.command(c, cmd)
  if not code or code >= 400 then data:close() return nil end
  local parts = {}
  while true do
    local ok, chunk = data:receive()
    if not ok then break end
    parts[#parts + 1] = chunk
  end
  data:close()
  if code < 200 then M.read_reply(c) end -- 226 Transfer complete
  return table.concat(parts)
end

function M.close(c)
  if c and c.sock then c.sock:send("QUIT\r\n") c.sock:close() end
end

return M
