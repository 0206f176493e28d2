-- shortport: portrule builders (orbit's own, with NSE's names): a port matches by
-- number, by service name, or either; in the given protocols and states.
local shortport = {}

local function set_of(v, default)
  if v == nil then v = default end
  if type(v) ~= "table" then v = { v } end
  local s = {}
  for _, x in ipairs(v) do s[x] = true end
  return s
end

local default_states = { "open", "open|filtered" }

function shortport.portnumber(ports, protos, states)
  local p, pr, st = set_of(ports), set_of(protos, "tcp"), set_of(states, default_states)
  return function(_, port)
    return p[port.number] and pr[port.protocol] and st[port.state] or false
  end
end

function shortport.service(services, protos, states)
  local sv, pr, st = set_of(services), set_of(protos, "tcp"), set_of(states, default_states)
  return function(_, port)
    return (port.service and sv[port.service]) and pr[port.protocol] and st[port.state] or false
  end
end

function shortport.port_or_service(ports, services, protos, states)
  local by_port = shortport.portnumber(ports, protos, states)
  local by_service = shortport.service(services, protos, states)
  return function(host, port)
    return by_port(host, port) or by_service(host, port)
  end
end

function shortport.version_port_or_service(ports, services, protos, states)
  return shortport.port_or_service(ports, services, protos, states)
end

local http_ports = { 80, 443, 631, 7080, 8080, 8443, 8088, 5800, 3872, 8180, 8000 }
local http_services = { "http", "https", "ipp", "http-alt", "https-alt", "vnc-http", "oem-agent",
  "soap", "http-proxy", "caldav", "carddav", "webdav" }
shortport.http = shortport.port_or_service(http_ports, http_services)

local ssl_ports = { 261, 271, 324, 443, 465, 563, 585, 636, 853, 989, 990, 992, 993, 994, 995,
  2221, 2252, 2376, 3269, 3389, 4911, 5061, 5986, 6679, 6697, 8443, 9001, 8883 }
local ssl_services = { "https", "ftps", "imaps", "ldapssl", "pop3s", "smtps", "ssl", "ircs" }
local by_ssl = shortport.port_or_service(ssl_ports, ssl_services)
function shortport.ssl(host, port)
  return (port.version and port.version.service_tunnel == "ssl") or by_ssl(host, port)
end

return shortport
