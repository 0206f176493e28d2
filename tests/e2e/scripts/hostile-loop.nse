-- A runaway: loops forever, and catches whatever error stops its inner loop.
categories = { "hostile" }
portrule = function(host, port) return port.protocol == "tcp" end
action = function()
  while true do pcall(function() while true do end end) end
end
