-- base64 through OpenSSL (orbit_core).
local core = require "orbit_core"
return { enc = core.base64_encode, dec = core.base64_decode }
