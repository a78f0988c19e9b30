--[[
table-labels: a table of STACK_COLUMNS or more columns is marked `sr-stack`, and each body cell
carries its column's header as `data-label`. On a phone (assets/offline.scss) every row becomes a
block of "header: value" lines, so no number is broken across lines and nothing is wider than the
screen. Runs after Quarto's table processing, which rebuilds tables without cell attributes.
]]

local STACK_COLUMNS = 5

local function label_cells(tbl)
  if #tbl.colspecs < STACK_COLUMNS or #tbl.head.rows == 0 then return nil end
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
