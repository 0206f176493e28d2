-- orbit's mqtt-version: an MQTT 3.1.1 client (OASIS MQTT v3.1.1: CONNECT, SUBSCRIBE,
-- PUBLISH) that subscribes to the broker's $SYS/broker/version topic (brokers such as
-- Mosquitto publish it, retained, to each new subscriber) and reports it. A version
-- script: under -sV the topic's text becomes the port's service name, as nmap -sV names
-- such a broker (its MQTT version script does so: "1883/tcp open mosquitto version
-- 2.0.11", the documented output). A broker that refuses the client, or has no such
-- topic, leaves the port as version detection named it.
description = [[
Reads an MQTT broker's $SYS/broker/version topic and names the broker by it.
]]
categories = { "version", "safe", "discovery" }

local nmap = require "nmap"
local shortport = require "shortport"
local stdnse = require "stdnse"

portrule = shortport.version_port_or_service({ 1883, 8883 }, { "mqtt", "secure-mqtt" }, "tcp")

local TOPIC = "$SYS/broker/version"
local MAX_PACKETS = 32 -- read at most this many packets before giving up
local MAX_LEN = 65536  -- a packet longer than this is not an answer worth reading

local function mqtt_string(s) return string.pack(">s2", s) end

local function remaining_length(n)
  local out = {}
  repeat
    local b = n % 128
    n = n // 128
    if n > 0 then b = b | 0x80 end
    out[#out + 1] = string.char(b)
  until n == 0
  return table.concat(out)
end

local function packet(first_byte, body)
  return string.char(first_byte) .. remaining_length(#body) .. body
end

local function connect_packet(client_id)
  -- protocol name, level 4 (3.1.1), flags: clean session, keep alive 60 s
  local var = mqtt_string("MQTT") .. "\4\2" .. string.pack(">I2", 60)
  return packet(0x10, var .. mqtt_string(client_id))
end

local function subscribe_packet(id, topic)
  return packet(0x82, string.pack(">I2", id) .. mqtt_string(topic) .. "\0")
end

-- Reads one packet: its first byte and body, or nil.
local function read_packet(sock, st)
  while true do
    local buf = st.buf
    if #buf >= 2 then
      local len, mult, pos = 0, 1, 2
      while pos <= #buf and pos <= 5 do
        local b = buf:byte(pos)
        len = len + (b & 0x7f) * mult
        mult = mult * 128
        if b & 0x80 == 0 then break end
        pos = pos + 1
      end
      if pos > 5 or len > MAX_LEN then return nil end
      if pos <= #buf and buf:byte(pos) & 0x80 == 0 and #buf >= pos + len then
        st.buf = buf:sub(pos + len + 1)
        return buf:byte(1), buf:sub(pos + 1, pos + len)
      end
    end
    local ok, data = sock:receive()
    if not ok then return nil end
    st.buf = st.buf .. data
  end
end

-- A PUBLISH body's topic and payload (QoS 1 and 2 carry a packet id after the topic).
local function publish_parts(first, body)
  if #body < 2 then return nil end
  local tlen = string.unpack(">I2", body)
  if #body < 2 + tlen then return nil end
  local topic = body:sub(3, 2 + tlen)
  local rest = 3 + tlen
  if (first >> 1) & 3 > 0 then rest = rest + 2 end
  return topic, body:sub(rest)
end

local function broker_version(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(3000)
  if not sock:connect(host, port) then return nil end
  local st = { buf = "" }
  local version
  local id = string.format("orbit-%04x", math.random(0, 0xffff))
  if sock:send(connect_packet(id)) then
    local first, body = read_packet(sock, st)
    -- CONNACK, return code 0: accepted
    if first == 0x20 and body and #body >= 2 and body:byte(2) == 0 and
        sock:send(subscribe_packet(1, TOPIC)) then
      for _ = 1, MAX_PACKETS do
        first, body = read_packet(sock, st)
        if not first then break end
        if first >> 4 == 3 then
          local topic, payload = publish_parts(first, body)
          if topic == TOPIC then version = payload break end
        end
      end
    end
    sock:send("\224\0") -- DISCONNECT
  end
  sock:close()
  return version
end

action = function(host, port)
  local version = broker_version(host, port)
  if not version or version == "" or version:find("[%c]") then return nil end
  local v = port.version or {}
  v.name = version
  port.version = v
  nmap.set_port_version(host, port, "hardmatched")
  local out = stdnse.output_table()
  out["broker version"] = version
  return out
end
