-- orbit's ftp-anon: whether the FTP server lets "anonymous" in, and what its top folder
-- holds (a LIST over passive mode, RFC 959).
description = [[
Checks whether an FTP server allows anonymous login, and lists its root folder.
]]
categories = { "default", "auth", "safe" }

local shortport = require "shortport"
local stdnse = require "stdnse"
local ftp = require "orbit_ftp"

portrule = shortport.port_or_service(21, { "ftp", "ftps" })

local MAX_LINES = 20

action = function(host, port)
  local c = ftp.connect(host, port)
  if not c then return nil end
  local code = ftp.login_anonymous(c)
  if code ~= 230 then ftp.close(c) return nil end
  local lines = { string.format("Anonymous FTP login allowed (FTP code %d)", code) }
  local max = tonumber(stdnse.get_script_args("ftp-anon.maxlist")) or MAX_LINES
  local listing = ftp.passive_data(c, host, "LIST")
  ftp.close(c)
  if listing then
    local n = 0
    for line in listing:gmatch("[^\r\n]+") do
      n = n + 1
      if max > 0 and n > max then
        lines[#lines + 1] = "Only " .. max .. " shown. Use --script-args ftp-anon.maxlist=-1 to see all."
        break
      end
      lines[#lines + 1] = line
    end
  end
  return table.concat(lines, "\n")
end
