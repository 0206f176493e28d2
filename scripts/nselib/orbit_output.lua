-- How an action's results become output (called by the engine, not by scripts):
-- (string) -> that text; (table[, string]) -> the string, or the table in nmap's text
-- layout (each entry on its own line, indented two spaces per level, "key: value"), and
-- the table as a flat token list for XML and NDJSON: {"E", key, value}, {"T", key}, {"U"}.

-- The entries of t in output order: an ordered table's own order; else the array part,
-- then the string keys sorted.
local function entries(t)
  local mt = getmetatable(t)
  local out = {}
  if mt and mt.orbit_ordered then
    for k, v in pairs(t) do out[#out + 1] = { k, v } end
    return out
  end
  for i, v in ipairs(t) do out[#out + 1] = { i, v } end
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "number" or math.type(k) ~= "integer" or k < 1 or k > #t then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do out[#out + 1] = { k, t[k] } end
  return out
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return mt and mt.__tostring
end

local function text_of(v, indent)
  if type(v) ~= "table" or has_tostring(v) then return tostring(v) end
  local parts = {}
  for _, kv in ipairs(entries(v)) do
    local k, x = kv[1], kv[2]
    parts[#parts + 1] = "\n" .. indent
    if type(k) == "string" then parts[#parts + 1] = k .. ": " end
    parts[#parts + 1] = text_of(x, indent .. "  ")
  end
  return table.concat(parts)
end

local function flatten(v, tokens)
  for _, kv in ipairs(entries(v)) do
    local k, x = kv[1], kv[2]
    local key = type(k) == "string" and k or ""
    if type(x) == "table" and not has_tostring(x) then
      tokens[#tokens + 1] = { "T", key }
      flatten(x, tokens)
      tokens[#tokens + 1] = { "U" }
    else
      tokens[#tokens + 1] = { "E", key, tostring(x) }
    end
  end
  return tokens
end

return function(first, second)
  if type(first) == "table" and not has_tostring(first) then
    local text = type(second) == "string" and second or text_of(first, "  ")
    return text, flatten(first, {})
  end
  return tostring(first), {}
end
