-- orbit's ftp-syst: the FTP server's SYST and STAT answers (RFC 959), after an anonymous
-- login when the server allows one.
description = [[
Sends SYST and STAT to an FTP server and shows what it says about itself.
]]
categories = { "default", "discovery", "safe" }

local shortport = require "shortport"
local stdnse = require "stdnse"
local ftp = require "orbit_ftp"

portrule = shortport.port_or_service(21, { "ftp", "ftps" })

-- A reply's text: the code off the first and the last line.
local function text_of(lines)
  local out = {}
  for i, l in ipairs(lines) do
    if i == 1 or i == #lines then l = l:gsub("^%d%d%d[ -]?", "") end
    out[#out + 1] = l
  end
  return table.concat(out, "\n")
end

action = function(host, port)
  local c = ftp.connect(host, port)
  if not c then return nil end
  ftp.login_anonymous(c)
  local out = stdnse.output_table()
  local code, lines = ftp.command(c, "SYST")
  -- "UNIX Type: L8" is what nearly every server says: it tells nothing, so not shown.
  if code and code < 300 then
    local syst = text_of(lines)
    if syst ~= "UNIX Type: L8" then out.SYST = syst end
  end
  code, lines = ftp.command(c, "STAT")
  if code and code < 300 then
    out.STAT = "\n" .. text_of(lines)
  end
  ftp.close(c)
  if not out.SYST and not out.STAT then return nil end
  return out
end
