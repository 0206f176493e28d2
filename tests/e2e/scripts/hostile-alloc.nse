-- Allocates without end (and retries after each memory error).
categories = { "hostile" }
portrule = function(host, port) return port.protocol == "tcp" end
action = function()
  while true do
    pcall(function()
      local t = {}
      while true do t[#t + 1] = string.rep("x", 1 << 20) .. #t end
    end)
  end
end
