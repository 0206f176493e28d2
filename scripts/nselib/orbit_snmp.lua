-- SNMPv1 for orbit's scripts (written from RFC 1157 and X.690 BER): a GetRequest for a
-- list of OIDs, and the decoding of the GetResponse.
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

return M
