-- nmap: the engine's library for scripts, with NSE's names and return conventions.
-- Sockets: nmap.new_socket(); connect, send, receive, receive_lines, receive_bytes,
-- receive_buf, close, set_timeout, get_ssl_certificate. A call that fails returns nil and
-- a reason ("TIMEOUT", "EOF", "ECONNREFUSED", ...); receive* return true and the data.
local core = require "orbit_core"

local nmap = {}

local Socket = {}
Socket.__index = Socket

function nmap.new_socket(proto)
  return setmetatable({ _s = core.socket_new(), _buf = "", _proto = proto }, Socket)
end

local function target(host, port, proto)
  local ip = type(host) == "table" and host.ip or host
  local number = port
  if type(port) == "table" then
    number = port.number
    proto = proto or port.protocol
  end
  return ip, tonumber(number), proto or "tcp"
end

function Socket:connect(host, port, proto)
  local ip, number, mode = target(host, port, proto or self._proto)
  self._buf = ""
  local ok, err = core.socket_connect(self._s, ip, number, mode)
  if not ok then return nil, err end
  return true
end

function Socket:send(data)
  local ok, err = core.socket_send(self._s, tostring(data))
  if not ok then return nil, err end
  return true
end

-- One read into the buffer; false and the reason when none came.
function Socket:_fill()
  local data, err = core.socket_recv(self._s)
  if not data then return false, err end
  self._buf = self._buf .. data
  return true
end

function Socket:_take_all()
  local data = self._buf
  self._buf = ""
  return true, data
end

function Socket:receive()
  if #self._buf > 0 then return self:_take_all() end
  local ok, err = self:_fill()
  if not ok then return nil, err end
  return self:_take_all()
end

-- Reads until the buffer satisfies enough(buf); what came before an EOF or timeout is
-- returned as data, as nsock completes a read with what it has.
function Socket:_receive_until(enough)
  while not enough(self._buf) do
    local ok, err = self:_fill()
    if not ok then
      if #self._buf > 0 and err ~= "ERROR" then return self:_take_all() end
      return nil, err
    end
  end
  return self:_take_all()
end

function Socket:receive_lines(n)
  n = n or 1
  return self:_receive_until(function(b)
    local _, count = b:gsub("\n", "")
    return count >= n
  end)
end

function Socket:receive_bytes(n)
  n = n or 1
  return self:_receive_until(function(b) return #b >= n end)
end

function Socket:receive_buf(delim, keep)
  while true do
    local s, e
    if type(delim) == "function" then
      s, e = delim(self._buf)
    else
      s, e = string.find(self._buf, delim)
    end
    if s then
      local out = keep and self._buf:sub(1, e) or self._buf:sub(1, s - 1)
      self._buf = self._buf:sub(e + 1)
      return true, out
    end
    local ok, err = self:_fill()
    if not ok then return nil, err end
  end
end

function Socket:close()
  core.socket_close(self._s)
  self._buf = ""
  return true
end

function Socket:set_timeout(ms)
  core.socket_set_timeout(self._s, math.tointeger(ms) or 30000)
end

function Socket:get_ssl_certificate()
  return core.certificate(core.socket_ssl(self._s))
end

function Socket:get_info()
  return nil, "not supported"
end

nmap.registry = { args = core.script_args() }

function nmap.verbosity() return 0 end
function nmap.debugging() return 0 end
function nmap.timing_level() return 3 end
function nmap.address_family() return "inet" end
function nmap.is_privileged() return false end
function nmap.clock_ms() return core.clock_ms() end
function nmap.clock() return core.clock_ms() / 1000 end
function nmap.set_port_state() end

-- A version script's answer (-sV): port.version's fields become the port's service, with
-- probestate "hardmatched" (the default), "softmatched" or "tcpwrapped".
function nmap.set_port_version(host, port, probestate)
  core.set_port_version(type(port) == "table" and port.version or {}, probestate)
end

-- A data file of orbit's script library (nselib/data/...), as nmap.fetchfile finds them,
-- else nmap's own of that name where Debian's nmap-common installs it (read there, never
-- copied into orbit).
function nmap.fetchfile(name)
  local rel = name:gsub("^nselib/", "")
  for _, path in ipairs({ core.lib_dir .. "/" .. rel, "/usr/share/nmap/nselib/" .. rel }) do
    local f = io.open(path, "r")
    if f then f:close() return path end
  end
  return nil
end

return nmap
