-- orbit's ssh-hostkey: the server's host keys, one SSH-2 key exchange per key type the
-- server offers (RFC 4253 transport, RFC 8731 curve25519 exchange): the host key is in the
-- server's reply, so no session is set up and nothing is signed by us.
description = [[
Shows the SSH server's host keys: size, MD5 fingerprint and type.
]]
categories = { "safe", "default", "discovery" }

local nmap = require "nmap"
local shortport = require "shortport"
local stdnse = require "stdnse"
local base64 = require "base64"
local core = require "orbit_core"

portrule = shortport.port_or_service(22, "ssh")

local KEXINIT, ECDH_INIT, ECDH_REPLY = 20, 30, 31

-- The key types in nmap's order, with the names the report uses.
local TYPES = {
  { alg = "ssh-dss", label = "DSA" },
  { alg = "rsa-sha2-512,rsa-sha2-256,ssh-rsa", offer = { "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa" }, label = "RSA" },
  { alg = "ecdsa-sha2-nistp256", label = "ECDSA" },
  { alg = "ecdsa-sha2-nistp384", label = "ECDSA" },
  { alg = "ecdsa-sha2-nistp521", label = "ECDSA" },
  { alg = "ssh-ed25519", label = "ED25519" },
}

local function packet(payload)
  local pad = 8 - ((#payload + 5) % 8)
  if pad < 4 then pad = pad + 8 end
  return string.pack(">I4B", #payload + 1 + pad, pad) .. payload .. string.rep("\0", pad)
end

local function random_bytes(n)
  local t = {}
  for i = 1, n do t[i] = string.char(math.random(0, 255)) end
  return table.concat(t)
end

local function kexinit(hostkey_algs)
  local lists = { "curve25519-sha256,curve25519-sha256@libssh.org", hostkey_algs,
    "aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,chacha20-poly1305@openssh.com",
    "aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,chacha20-poly1305@openssh.com",
    "hmac-sha2-256,hmac-sha1", "hmac-sha2-256,hmac-sha1", "none", "none", "", "" }
  local parts = { string.char(KEXINIT), random_bytes(16) }
  for _, l in ipairs(lists) do parts[#parts + 1] = string.pack(">s4", l) end
  parts[#parts + 1] = string.pack(">BI4", 0, 0)
  return table.concat(parts)
end

-- A session reading packets (unencrypted: before NEWKEYS).
local function read_packet(s)
  while #s.buf < 5 do
    local ok, data = s.sock:receive()
    if not ok then return nil end
    s.buf = s.buf .. data
  end
  local len, pad = string.unpack(">I4B", s.buf)
  if len > 256 * 1024 or len < 2 then return nil end
  while #s.buf < 4 + len do
    local ok, data = s.sock:receive()
    if not ok then return nil end
    s.buf = s.buf .. data
  end
  local payload = s.buf:sub(6, 4 + len - pad)
  s.buf = s.buf:sub(5 + len)
  return payload
end

local function open(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(8000)
  if not sock:connect(host, port) then return nil end
  local s = { sock = sock, buf = "" }
  if not sock:send("SSH-2.0-orbit_ssh-hostkey\r\n") then sock:close() return nil end
  -- The identification line (lines before it are allowed and skipped).
  while true do
    local nl = s.buf:find("\n")
    if nl then
      local line = s.buf:sub(1, nl)
      s.buf = s.buf:sub(nl + 1)
      if line:match("^SSH%-") then break end
    else
      local ok, data = sock:receive()
      if not ok or #s.buf > 8192 then sock:close() return nil end
      s.buf = s.buf .. data
    end
  end
  local p = read_packet(s)
  if not p or p:byte(1) ~= KEXINIT then sock:close() return nil end
  local pos = 18
  local _, algs
  _, pos = string.unpack(">s4", p, pos)
  algs = string.unpack(">s4", p, pos)
  s.server_hostkey_algs = {}
  for a in algs:gmatch("[^,]+") do s.server_hostkey_algs[a] = true end
  return s
end

local function bits_of(blob)
  local ktype, pos = string.unpack(">s4", blob)
  if ktype == "ssh-rsa" then
    local _, n
    _, pos = string.unpack(">s4", blob, pos)
    n = string.unpack(">s4", blob, pos)
    n = n:gsub("^\0+", "")
    local top, b = n:byte(1) or 0, 0
    while top > 0 do b = b + 1 top = top >> 1 end
    return (#n - 1) * 8 + b
  elseif ktype == "ssh-dss" then
    local p = string.unpack(">s4", blob, pos)
    p = p:gsub("^\0+", "")
    return #p * 8
  elseif ktype:match("^ecdsa%-sha2%-nistp") then
    return tonumber(ktype:match("(%d+)$"))
  elseif ktype == "ssh-ed25519" then
    return 256
  end
  return 0
end

-- One exchange asking for one key type; the host key blob, or nil.
local function fetch_key(s, alg)
  if not s.sock:send(packet(kexinit(alg)) .. packet(string.char(ECDH_INIT) .. string.pack(">s4", random_bytes(32)))) then
    return nil
  end
  for _ = 1, 8 do
    local p = read_packet(s)
    if not p then return nil end
    if p:byte(1) == ECDH_REPLY then return (string.unpack(">s4", p, 2)) end
  end
  return nil
end

action = function(host, port)
  local out, lines = {}, {}
  local s = open(host, port)
  if not s then return nil end
  for _, t in ipairs(TYPES) do
    local offered = false
    for _, a in ipairs(t.offer or { t.alg }) do offered = offered or s.server_hostkey_algs[a] end
    if offered then
      if not s.sock then s = open(host, port) end
      local blob = s and fetch_key(s, t.alg)
      if s then s.sock:close() s.sock = nil end
      if blob then
        local fp = stdnse.tohex(core.digest("md5", blob))
        local key = stdnse.output_table()
        key.type = string.unpack(">s4", blob)
        key.fingerprint = fp
        key.bits = tostring(bits_of(blob))
        key.key = base64.enc(blob)
        out[#out + 1] = key
        lines[#lines + 1] = string.format("  %s %s (%s)", key.bits, fp, t.label)
      end
      if not s then break end
    end
  end
  if s and s.sock then s.sock:close() end
  if #out == 0 then return nil end
  return out, "\n" .. table.concat(lines, "\n")
end
