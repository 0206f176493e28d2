-- orbit's snmp-brute: which communities of a wordlist an SNMP agent answers (SNMPv1
-- GetRequests, RFC 1157, all sent at once, told apart by request id).
description = [[
Finds the SNMP communities of a wordlist that an agent accepts.
--script-args snmp-brute.communitiesdb=FILE (one community a line).
]]
categories = { "intrusive", "brute" }

local nmap = require "nmap"
local shortport = require "shortport"
local stdnse = require "stdnse"
local snmp = require "orbit_snmp"

portrule = shortport.port_or_service(161, "snmp", "udp", { "open", "open|filtered" })

local function wordlist()
  local path = stdnse.get_script_args("snmp-brute.communitiesdb")
    or nmap.fetchfile("nselib/data/snmp-communities.lst")
  local f = path and io.open(path, "r")
  if not f then return nil end
  local list = {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line ~= "" and not line:match("^#!comment:") then list[#list + 1] = line end
    if #list >= 10000 then break end
  end
  f:close()
  return list
end

action = function(host, port)
  local list = wordlist()
  if not list or #list == 0 then return nil end
  local sock = nmap.new_socket()
  sock:set_timeout(1500)
  if not sock:connect(host, port, "udp") then return nil end
  local base = 0x6f000000
  for i, community in ipairs(list) do
    sock:send(snmp.get_request(community, base + i, { "1.3.6.1.2.1.1.1.0" }))
  end
  local valid, seen = {}, {}
  -- Answers come until the agent has nothing more: a quiet 1.5 s ends it.
  for _ = 1, #list * 2 do
    local ok, data = sock:receive()
    if not ok then break end
    local resp = snmp.decode_response(data)
    local i = resp and resp.request_id - base
    if i and list[i] and not seen[i] then
      seen[i] = true
      valid[#valid + 1] = i
    end
  end
  sock:close()
  if #valid == 0 then return nil end
  table.sort(valid)
  local out, lines = {}, {}
  for _, i in ipairs(valid) do
    local c = stdnse.output_table()
    c.state = "Valid credentials"
    c.password = list[i]
    out[#out + 1] = c
    lines[#lines + 1] = "  " .. list[i] .. " - Valid credentials"
  end
  return out, "\n" .. table.concat(lines, "\n")
end
