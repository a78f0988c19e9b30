--[[
vega-charts: draw the book's Vega-Lite charts with the pinned, vendored vega builds.

Chart cells emit a raw-HTML block `<div class="sr-vega">` holding the spec as JSON data
(`scaling_report.charts.embed_markdown`). On every page that has one, this filter
  * adds the vendored vega, vega-lite and vega-embed scripts once, through site_libs, between
    two small scripts that hide any AMD `define` while they load (so a page that also carries
    require.js still gets the `vegaEmbed` global), followed by the script that draws the charts;
  * copies the figure's `fig-alt` cell option onto the chart as `data-alt`, which becomes the
    spec's `description` and so the SVG's aria-label. Quarto drops `fig-alt` for figures that
    are not images, so the option is read from the chapter's own source cells.
]]

local MARKER = '<div class="sr-vega"'
local VENDOR = "src/scaling_report/assets/vendor"
local VERSIONS = "vega 6.2.0, vega-lite 6.4.1, vega-embed 7.1.0"
local added = false
local alt_by_label = nil

local function vendor_path(name)
  return pandoc.path.join({ quarto.project.directory, VENDOR, name })
end

local function add_dependency()
  if added then return end
  added = true
  quarto.doc.add_html_dependency({
    name = "vega-charts",
    version = "1.0.0",
    scripts = {
      { path = quarto.utils.resolve_path("amd-guard-start.js") },
      { path = vendor_path("vega.min.js") },
      { path = vendor_path("vega-lite.min.js") },
      { path = vendor_path("vega-embed.min.js") },
      { path = quarto.utils.resolve_path("amd-guard-end.js") },
      { path = quarto.utils.resolve_path("vega-charts.js") },
    },
    stylesheets = { quarto.utils.resolve_path("vega-charts.css") },
    resources = {
      { name = "LICENSE-vega", path = vendor_path("LICENSE-vega") },
      { name = "LICENSE-vega-lite", path = vendor_path("LICENSE-vega-lite") },
      { name = "LICENSE-vega-embed", path = vendor_path("LICENSE-vega-embed") },
    },
  })
end

local function yaml_options(lines)
  if #lines == 0 then return {} end
  -- "markdown-smart": option values are read as written (no curly quotes)
  local ok, doc = pcall(pandoc.read, "---\n" .. table.concat(lines, "\n") .. "\n---\n", "markdown-smart")
  if not ok then return {} end
  return doc.meta
end

-- label -> fig-alt, from the `#|` options of the source file's code cells
local function read_alts()
  local alts = {}
  local path = quarto.doc.input_file
  local file = path and io.open(path, "r")
  if not file then return alts end
  local in_cell, options = false, {}
  for line in file:lines() do
    if not in_cell and line:match("^```+%s*{python") then
      in_cell, options = true, {}
    elseif in_cell and line:match("^```+%s*$") then
      local meta = yaml_options(options)
      if meta.label and meta["fig-alt"] then
        alts[pandoc.utils.stringify(meta.label)] = pandoc.utils.stringify(meta["fig-alt"])
      end
      in_cell = false
    elseif in_cell and line:match("^#|") then
      table.insert(options, (line:gsub("^#|%s?", "")))
    end
  end
  file:close()
  return alts
end

local function html_attribute(text)
  return (text:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function with_alt(block, alt)
  local attribute = MARKER .. ' data-alt="' .. html_attribute(alt) .. '"'
  block.text = block.text:gsub(MARKER:gsub("%p", "%%%0"), (attribute:gsub("%%", "%%%%")), 1)
  return block
end

return {
  {
    RawBlock = function(block)
      if block.format == "html" and block.text:find(MARKER, 1, true) then
        add_dependency()
      end
    end,
    FloatRefTarget = function(float)
      if float.identifier == nil or float.identifier == "" then return nil end
      alt_by_label = alt_by_label or read_alts()
      local alt = alt_by_label[float.identifier]
      if not alt then return nil end
      local function mark(block)
        if block.t == "RawBlock" and block.format == "html" and block.text:find(MARKER, 1, true) then
          return with_alt(block, alt)
        end
      end
      -- A figure holding only the chart has the raw block itself as its content.
      if float.content.t == "RawBlock" then
        float.content = mark(float.content) or float.content
      else
        float.content = float.content:walk({ RawBlock = mark })
      end
      return float
    end,
  },
}
