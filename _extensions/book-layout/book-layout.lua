--[[
book-layout: long tables fold away behind a summary line.

A table float whose body has more than LONG_TABLE rows keeps its caption and number in place,
but its rows sit in a <details> element that readers open on demand ("Show all 117 rows"); the
chapter text says what matters in it.

Wide tables are labelled for phones by table-labels.lua, which runs after Quarto's own table
processing (with `tbl-colwidths: false` Quarto rebuilds tables and drops cell attributes).
]]

local LONG_TABLE = 25


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
