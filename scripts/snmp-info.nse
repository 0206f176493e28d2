-- orbit's snmp-info: SNMPv3 engine discovery (RFC 3414; no community or user needed)
-- and what the agent's Report tells: its snmpEngineID (the enterprise, RFC 3411's
-- format and data), snmpEngineBoots and snmpEngineTime. A version script: under -sV the
-- enterprise's name goes into the port's product as "<enterprise> SNMPv3 server", after
-- what version detection had already named ("; " between them), as nmap -sV reports it.
-- Enterprise names are IANA's Private Enterprise Numbers, read from nmap's data file where
-- Debian's nmap-common installs it; without it, the number.
description = [[
Shows the SNMPv3 engine of an SNMP agent (enterprise, engine ID, boots, time) and names
the agent's enterprise in version detection.
]]
categories = { "default", "version", "safe" }

local nmap = require "nmap"
local shortport = require "shortport"
local snmp = require "orbit_snmp"
local stdnse = require "stdnse"

portrule = shortport.version_port_or_service(161, "snmp", "udp")

-- IANA's name of an enterprise number (a tab-separated "number<TAB>name" list), or nil.
local function enterprise_name(number)
  local path = nmap.fetchfile("nselib/data/enterprise_numbers.txt")
  if not path then return nil end
  local want = tostring(number) .. "\t"
  for line in io.lines(path) do
    if line:sub(1, #want) == want then return line:sub(#want + 1) end
  end
  return nil
end

local function hex_colons(s)
  return (s:gsub(".", function(c) return string.format("%02x:", c:byte()) end):gsub(":$", ""))
end

local function id_data_text(format, data)
  if format == "ipv4" and #data == 4 then
    return table.concat({ data:byte(1, 4) }, ".")
  elseif format == "text" then
    return data
  end
  return hex_colons(data)
end

-- Seconds as "358d01h13m46s" (leading zero units left out).
local function duration(s)
  local d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
  local out = {}
  if d > 0 then out[#out + 1] = d .. "d" end
  if d > 0 or h > 0 then out[#out + 1] = string.format(d > 0 and "%02dh" or "%dh", h) end
  if d > 0 or h > 0 or m > 0 then out[#out + 1] = string.format((d > 0 or h > 0) and "%02dm" or "%dm", m) end
  out[#out + 1] = string.format((d > 0 or h > 0 or m > 0) and "%02ds" or "%ds", s % 60)
  return table.concat(out)
end

action = function(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(3000)
  if not sock:connect(host, port, "udp") then return nil end
  local engine
  for _ = 1, 2 do
    sock:send(snmp.v3_discovery(0x4f52))
    local ok, data = sock:receive()
    engine = ok and snmp.decode_v3_engine(data)
    if engine then break end
  end
  sock:close()
  if not engine then return nil end
  local number, format, data = snmp.engine_id_parts(engine.engine_id)
  if not number then return nil end
  local name = enterprise_name(number) or tostring(number)

  local v = port.version or {}
  local product = name .. " SNMPv3 server"
  if v.product and v.product ~= "" then product = v.product .. "; " .. product end
  v.name = "snmp"
  v.product = product
  port.version = v
  nmap.set_port_version(host, port, "hardmatched")

  local out = stdnse.output_table()
  out.enterprise = name
  out.engineIDFormat = format
  out.engineIDData = id_data_text(format, data)
  out.snmpEngineBoots = engine.boots
  out.snmpEngineTime = duration(engine.time)
  return out
end
