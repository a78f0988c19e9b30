--[[
table-labels: a table of STACK_COLUMNS or more columns is marked `sr-stack`, and each body cell
carries its column's header as `data-label`. On a phone (assets/offline.scss) every row becomes a
block of "header: value" lines, so no number is broken across lines and nothing is wider than the
screen. A cell holding a token longer than LONG_TOKEN characters (a path, a commit-qualified
file name) is marked `sr-long`: only such cells may break inside a word, at any width.
Runs after Quarto's table processing, which rebuilds tables without cell attributes.
]]

local STACK_COLUMNS = 5
local LONG_TOKEN = 30

local function mark_long(cell)
  for token in pandoc.utils.stringify(cell.contents):gmatch("%S+") do
    if utf8.len(token) and utf8.len(token) > LONG_TOKEN then
      cell.classes:insert("sr-long")
      return
    end
  end
end

local function label_cells(tbl)
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for _, cell in ipairs(row.cells) do mark_long(cell) end
    end
  end
  if #tbl.colspecs < STACK_COLUMNS or #tbl.head.rows == 0 then return tbl end
  local header = tbl.head.rows[#tbl.head.rows].cells
  local labels = {}
  for i, cell in ipairs(header) do labels[i] = pandoc.utils.stringify(cell.contents) end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for i, cell in ipairs(row.cells) do
        if labels[i] and labels[i] ~= "" then cell.attributes["data-label"] = labels[i] end
      end
    end
  end
  tbl.classes:insert("sr-stack")
  return tbl
end

return { { Table = label_cells } }
