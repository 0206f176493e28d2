-- orbit's ssl-cert: the subject, issuer, key and validity of a TLS server's certificate
-- (X.509, RFC 5280, read through OpenSSL).
description = [[
Shows a TLS server's certificate: subject, issuer, public key, validity, digests.
]]
categories = { "default", "safe", "discovery" }

local nmap = require "nmap"
local shortport = require "shortport"
local stdnse = require "stdnse"
local core = require "orbit_core"

portrule = shortport.ssl

local ORDER = { "commonName", "organizationName", "organizationalUnitName", "stateOrProvinceName",
  "localityName", "countryName", "emailAddress" }

local function name_text(t)
  local parts, seen = {}, {}
  for _, k in ipairs(ORDER) do
    if t[k] then parts[#parts + 1] = k .. "=" .. t[k] seen[k] = true end
  end
  local rest = {}
  for k in pairs(t) do if not seen[k] then rest[#rest + 1] = k end end
  table.sort(rest)
  for _, k in ipairs(rest) do parts[#parts + 1] = k .. "=" .. t[k] end
  return table.concat(parts, "/")
end

action = function(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(8000)
  if not sock:connect(host, port, "ssl") then return nil end
  local cert = sock:get_ssl_certificate()
  sock:close()
  if not cert then return nil end
  local out = stdnse.output_table()
  out.subject = cert.subject
  out.issuer = cert.issuer
  out.pubkey = cert.pubkey
  out.validity = cert.validity
  out.sig_algorithm = cert.sig_algorithm
  out.md5 = stdnse.tohex(core.digest("md5", cert.der))
  out.sha1 = stdnse.tohex(core.digest("sha1", cert.der))
  out.pem = "-----BEGIN CERTIFICATE-----\n" .. core.base64_encode(cert.der):gsub(("."):rep(64), "%0\n")
    .. "\n-----END CERTIFICATE-----\n"
  local lines = {
    "Subject: " .. name_text(cert.subject),
    "Issuer: " .. name_text(cert.issuer),
    "Public Key type: " .. tostring(cert.pubkey.type),
    "Public Key bits: " .. tostring(cert.pubkey.bits),
    "Signature Algorithm: " .. tostring(cert.sig_algorithm),
    "Not valid before: " .. tostring(cert.validity.notBefore),
    "Not valid after:  " .. tostring(cert.validity.notAfter),
    "MD5:   " .. out.md5,
    "SHA-1: " .. out.sha1,
  }
  return out, table.concat(lines, "\n")
end
