--[[
book-layout: long tables fold away behind a summary line.

A table float whose body has more than LONG_TABLE rows keeps its caption and number in place,
but its rows sit in a <details> element that readers open on demand ("Show all 117 rows"); the
chapter text says what matters in it.

A table of STACK_COLUMNS or more columns is marked `sr-stack`, and each body cell carries its
column's header as `data-label`: on a phone (assets/offline.scss) every row becomes a block of
"header: value" lines, so no number is broken across lines and nothing is wider than the screen.
]]

local LONG_TABLE = 25
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

local function body_rows(block)
  local rows = 0
  block:walk({
    Table = function(tbl)
      for _, body in ipairs(tbl.bodies) do rows = rows + #body.body end
    end,
  })
  return rows
end

return {
  { Table = label_cells },
  {
    FloatRefTarget = function(float)
      if float.type ~= "Table" then return nil end
      local content = float.content
      local rows = (content.t == "Table") and 0 or body_rows(content)
      if content.t == "Table" then
        for _, body in ipairs(content.bodies) do rows = rows + #body.body end
      end
      if rows <= LONG_TABLE then return nil end
      float.content = pandoc.Div({
        pandoc.RawBlock("html", '<details class="long-table"><summary>Show all ' .. rows .. " rows</summary>"),
        content,
        pandoc.RawBlock("html", "</details>"),
      })
      return float
    end,
  },
}
