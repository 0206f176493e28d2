-- SNMP for orbit's scripts (written from RFC 1157, RFC 3412/3414 and X.690 BER): an
-- SNMPv1 GetRequest for a list of OIDs and the decoding of the GetResponse; SNMPv3's
-- engine discovery (an unauthenticated request whose Report carries the agent's
-- snmpEngineID, boots and time) and the parts of an snmpEngineID (RFC 3411).
local M = {}

local function len_of(n)
  if n < 128 then return string.char(n) end
  if n < 256 then return "\129" .. string.char(n) end
  return "\130" .. string.pack(">I2", n)
end

local function tlv(tag, content) return string.char(tag) .. len_of(#content) .. content end

local function int(v)
  local bytes = {}
  repeat
    table.insert(bytes, 1, string.char(v & 0xff))
    v = v >> 8
  until v == 0
  if bytes[1]:byte() >= 0x80 then table.insert(bytes, 1, "\0") end
  return tlv(0x02, table.concat(bytes))
end

local function oid(text)
  local arcs = {}
  for a in text:gmatch("%d+") do arcs[#arcs + 1] = tonumber(a) end
  local out = { string.char(arcs[1] * 40 + arcs[2]) }
  for i = 3, #arcs do
    local a, chunk = arcs[i], {}
    table.insert(chunk, 1, string.char(a & 0x7f))
    a = a >> 7
    while a > 0 do
      table.insert(chunk, 1, string.char((a & 0x7f) | 0x80))
      a = a >> 7
    end
    out[#out + 1] = table.concat(chunk)
  end
  return tlv(0x06, table.concat(out))
end

function M.get_request(community, request_id, oids)
  local binds = {}
  for _, o in ipairs(oids) do binds[#binds + 1] = tlv(0x30, oid(o) .. "\5\0") end
  local pdu = tlv(0xA0, int(request_id) .. int(0) .. int(0) .. tlv(0x30, table.concat(binds)))
  return tlv(0x30, int(0) .. tlv(0x04, community) .. pdu)
end

-- One TLV at pos: tag, content, position after it (nil when malformed).
local function read_tlv(s, pos)
  if pos + 1 > #s then return nil end
  local tag, len = s:byte(pos), s:byte(pos + 1)
  pos = pos + 2
  if len >= 0x80 then
    local n = len & 0x7f
    if n == 0 or n > 3 or pos + n - 1 > #s then return nil end
    len = 0
    for i = 0, n - 1 do len = len * 256 + s:byte(pos + i) end
    pos = pos + n
  end
  if pos + len - 1 > #s then return nil end
  return tag, s:sub(pos, pos + len - 1), pos + len
end

local function uint(c)
  local v = 0
  for i = 1, #c do v = v * 256 + c:byte(i) end
  return v
end

local function oid_text(c)
  if #c == 0 then return "" end
  local first = c:byte(1)
  local arcs = { first // 40, first % 40 }
  local v = 0
  for i = 2, #c do
    local b = c:byte(i)
    v = v * 128 + (b & 0x7f)
    if b < 0x80 then arcs[#arcs + 1] = v v = 0 end
  end
  return table.concat(arcs, ".")
end

-- A GetResponse: community, request id, error status, and the values by OID, or nil.
function M.decode_response(s)
  local tag, msg = read_tlv(s, 1)
  if tag ~= 0x30 then return nil end
  local t, c, pos = read_tlv(msg, 1)
  if t ~= 0x02 then return nil end
  local community
  t, community, pos = read_tlv(msg, pos)
  if t ~= 0x04 then return nil end
  local pdu
  t, pdu = read_tlv(msg, pos)
  if t ~= 0xA2 then return nil end
  local rid, err, binds
  t, rid, pos = read_tlv(pdu, 1)
  if not t then return nil end
  t, err, pos = read_tlv(pdu, pos)
  if not t then return nil end
  t, c, pos = read_tlv(pdu, pos) -- error index
  if not t then return nil end
  t, binds = read_tlv(pdu, pos)
  if t ~= 0x30 then return nil end
  local values, bpos = {}, 1
  while bpos <= #binds do
    local bt, bind
    bt, bind, bpos = read_tlv(binds, bpos)
    if bt ~= 0x30 then break end
    local ot, o, vpos = read_tlv(bind, 1)
    if ot ~= 0x06 then break end
    local vt, v = read_tlv(bind, vpos)
    local value = v
    if vt == 0x02 or vt == 0x41 or vt == 0x42 or vt == 0x43 then value = uint(v)
    elseif vt == 0x06 then value = oid_text(v) end
    values[oid_text(o)] = value
  end
  return { community = community, request_id = uint(rid), error = uint(err), values = values }
end

-- SNMPv3 discovery (RFC 3414 4.): noAuthNoPriv, reportable, empty engine ID and user,
-- a GetRequest without variables; the agent answers with a Report.
function M.v3_discovery(msg_id)
  local header = tlv(0x30, int(msg_id) .. int(65507) .. tlv(0x04, "\4") .. int(3))
  local usm = tlv(0x30, tlv(0x04, "") .. int(0) .. int(0) .. tlv(0x04, "") .. tlv(0x04, "")
    .. tlv(0x04, ""))
  local pdu = tlv(0xA0, int(msg_id & 0x7fff) .. int(0) .. int(0) .. tlv(0x30, ""))
  local scoped = tlv(0x30, tlv(0x04, "") .. tlv(0x04, "") .. pdu)
  return tlv(0x30, int(3) .. header .. tlv(0x04, usm) .. scoped)
end

-- An SNMPv3 message's security parameters (USM): engine_id, boots, time; or nil.
function M.decode_v3_engine(s)
  local tag, msg = read_tlv(s, 1)
  if tag ~= 0x30 then return nil end
  local t, v, pos = read_tlv(msg, 1)
  if t ~= 0x02 or uint(v) ~= 3 then return nil end
  t, v, pos = read_tlv(msg, pos) -- msgGlobalData
  if t ~= 0x30 then return nil end
  local params
  t, params = read_tlv(msg, pos)
  if t ~= 0x04 then return nil end
  local usm
  t, usm = read_tlv(params, 1)
  if t ~= 0x30 then return nil end
  local engine, boots, time
  t, engine, pos = read_tlv(usm, 1)
  if t ~= 0x04 or #engine == 0 then return nil end
  t, boots, pos = read_tlv(usm, pos)
  if t ~= 0x02 then return nil end
  t, time = read_tlv(usm, pos)
  if t ~= 0x02 then return nil end
  return { engine_id = engine, boots = uint(boots), time = uint(time) }
end

local id_formats = { [1] = "ipv4", [2] = "ipv6", [3] = "mac", [4] = "text", [5] = "octets" }

-- An snmpEngineID's enterprise number, format name and data (RFC 3411's SnmpEngineID:
-- the first bit set means the RFC 3411 layout, else the enterprise and 8 octets of SNMPv1
-- times); formats 128-255 are the enterprise's own ("enterprise").
function M.engine_id_parts(id)
  if #id < 5 then return nil end
  local enterprise = string.unpack(">I4", id) & 0x7fffffff
  if id:byte(1) & 0x80 == 0 then
    return enterprise, "octets", id:sub(5)
  end
  local f = id:byte(5)
  return enterprise, id_formats[f] or (f >= 128 and "enterprise" or tostring(f)), id:sub(6)
end

return M
