-- orbit's snmp-sysdescr: the agent's sysDescr.0 and sysUpTime.0 (SNMPv1, RFC 1157; the
-- MIB-II system group, RFC 1213), with the community "public" or snmpcommunity=.
description = [[
Shows an SNMP agent's system description and uptime.
]]
categories = { "default", "discovery", "safe" }

local nmap = require "nmap"
local shortport = require "shortport"
local stdnse = require "stdnse"
local snmp = require "orbit_snmp"

portrule = shortport.port_or_service(161, "snmp", "udp", { "open", "open|filtered" })

local DESCR, UPTIME = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.3.0"

-- Timeticks (1/100 s) as "1d02h03m04.56s", leading zero units left out.
local function uptime_text(ticks)
  local s = ticks / 100
  local d, h, m = math.floor(s / 86400), math.floor(s % 86400 / 3600), math.floor(s % 3600 / 60)
  local sec = s - d * 86400 - h * 3600 - m * 60
  local out = {}
  if d > 0 then out[#out + 1] = d .. "d" end
  if d > 0 or h > 0 then out[#out + 1] = string.format(d > 0 and "%02dh" or "%dh", h) end
  if d > 0 or h > 0 or m > 0 then out[#out + 1] = string.format((d > 0 or h > 0) and "%02dm" or "%dm", m) end
  out[#out + 1] = string.format((d > 0 or h > 0 or m > 0) and "%05.2fs" or "%.2fs", sec)
  return table.concat(out)
end

action = function(host, port)
  local community = stdnse.get_script_args("snmpcommunity") or "public"
  local sock = nmap.new_socket()
  sock:set_timeout(5000)
  if not sock:connect(host, port, "udp") then return nil end
  local resp
  for _ = 1, 2 do
    sock:send(snmp.get_request(community, 0x4f52, { DESCR, UPTIME }))
    local ok, data = sock:receive()
    resp = ok and snmp.decode_response(data)
    if resp then break end
  end
  sock:close()
  if not resp or resp.error ~= 0 or type(resp.values[DESCR]) ~= "string" then return nil end
  local text = resp.values[DESCR]
  local ticks = resp.values[UPTIME]
  if type(ticks) == "number" then
    text = text .. string.format("\n  System uptime: %s (%d timeticks)", uptime_text(ticks), ticks)
  end
  return text
end
