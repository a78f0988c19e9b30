--[[
cite-chapter: a visible "Cite this chapter" block and Google Scholar tags on every book page.

Quarto's own `google-scholar`/`citation` output for book chapters carries the chapter heading's
markdown in `citation_title` and no author, date, book title or chapter number, so this filter
writes both from the book's metadata:
  * plain text and a BibTeX `@incollection` (`@book` on the front page) with the chapter number,
    the page URL, the book's date and its version (`book-version`), so a citation pins what it
    cited;
  * `citation_title` (plain text), `citation_author`, `citation_publication_date`,
    `citation_inbook_title`, `citation_chapter`, `citation_public_url` and `citation_version`.
Every value is HTML-escaped in the tags, and BibTeX-escaped in the entry.
]]

local stringify = pandoc.utils.stringify
local CROSSREF_PREFIXES = { fig = true, tbl = true, sec = true, eq = true, lst = true, thm = true, lem = true,
  cor = true, prp = true, cnj = true, def = true, exm = true, exr = true, rem = true, alg = true, apx = true }

local function html_escape(text)
  return (text:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function bibtex_escape(text)
  return (text:gsub("([{}%%&$#_])", "\\%1"))
end

-- The page's path relative to the project, e.g. "chapters/01-empirical-result.qmd".
local function relative_input()
  local input = quarto.doc.input_file
  local root = quarto.project.directory
  if root and input:sub(1, #root) == root then
    input = input:sub(#root + 2)
  end
  return input
end

-- The page's entry in the book's render list, its number as the book shows it ("3", or "A" for
-- the first appendix), and whether it is an appendix.
local function render_entry(meta, file)
  if not (meta.book and meta.book.render) then return nil end
  local in_appendices = false
  for _, item in ipairs(meta.book.render) do
    if item.type and stringify(item.type) == "appendix" then in_appendices = true end
    if item.file and stringify(item.file) == file then
      local number = item.number and stringify(item.number) or nil
      if number and in_appendices then number = string.char(64 + tonumber(number)) end
      return item, number, in_appendices
    end
  end
  return nil
end

-- Chapter title as plain text: the heading's chapter-title span, else the heading without
-- Quarto's number span and the no-break space after it.
local function plain_title(meta)
  local title = meta.title
  if title == nil then return "" end
  local inlines = pandoc.Inlines(title)
  local found = nil
  inlines:walk({
    Span = function(span)
      if span.classes:includes("chapter-title") then found = stringify(span) end
    end,
  })
  if found then return found end
  inlines = inlines:walk({
    Span = function(span)
      if span.classes:includes("chapter-number") then return {} end
    end,
  })
  local text = stringify(inlines):gsub("^[%s\194\160]+", ""):gsub("%s+$", "")
  -- appendix headings read "Appendix A — Title"
  text = text:gsub("^Appendix %a+ \226\128\148 ", "")
  return text
end

local function authors(meta)
  local list = {}
  local value = meta.author or (meta.book and meta.book.author)
  if value == nil then return list end
  if pandoc.utils.type(value) == "List" then
    for _, a in ipairs(value) do table.insert(list, stringify(a.name or a)) end
  else
    table.insert(list, stringify(value))
  end
  return list
end

local function page_url(site, file)
  local html = file:gsub("%.qmd$", ".html"):gsub("%.md$", ".html")
  return site:gsub("/$", "") .. "/" .. html
end

local function key_for(file, year)
  local stem = file:gsub("^.*/", ""):gsub("%.qmd$", ""):gsub("[^%w]+", "-")
  return "scaling-report-" .. year .. "-" .. stem
end

-- The works this page cites, as a visible list. A Quarto book keeps one bibliography and hides
-- each chapter's own (#refs, kept for hover citations), so this runs citeproc on the page's
-- citations alone and gives the entries ids of their own.
local function chapter_references(doc)
  local cites = pandoc.List()
  doc:walk({
    Cite = function(cite)
      -- cross-references (@fig-x, @sec-y) are Cite elements until Quarto resolves them
      local works = cite.citations:filter(function(c)
        return not c.id:match("^%a+%-") or not CROSSREF_PREFIXES[c.id:match("^(%a+)%-")]
      end)
      if #works > 0 then cites:insert(pandoc.Cite({}, works)) end
    end,
  })
  if #cites == 0 or doc.meta.bibliography == nil then return nil end
  local probe = pandoc.Pandoc({ pandoc.Para(cites), pandoc.Div({}, pandoc.Attr("refs")) }, doc.meta)
  probe.meta["suppress-bibliography"] = false
  probe.meta["link-citations"] = false
  local ok, processed = pcall(pandoc.utils.citeproc, probe)
  if not ok then
    quarto.log.warning("cite-chapter: " .. tostring(processed))
    return nil
  end
  local entries = nil
  processed:walk({
    Div = function(div)
      if div.identifier == "refs" then entries = div end
    end,
  })
  if entries == nil or #entries.content == 0 then return nil end
  entries = entries:walk({
    Div = function(div)
      if div.identifier:match("^ref%-") then
        div.identifier = "chapter-" .. div.identifier
        return div
      end
    end,
  })
  entries.identifier = "chapter-refs"
  entries.classes = { "references", "csl-bib-body", "chapter-references" }
  return pandoc.Div({
    pandoc.Header(2, "References", pandoc.Attr("chapter-references", { "unnumbered", "unlisted" })),
    entries,
  }, pandoc.Attr("", { "chapter-reference-list" }))
end

function Pandoc(doc)
  local meta = doc.meta
  local file = relative_input()
  local entry, number, is_appendix = render_entry(meta, file)
  if entry == nil then return nil end  -- not a book page (e.g. a standalone render)

  local book_title = stringify(meta.book.title or "")
  local version = stringify(meta["book-version"] or "")
  local date = stringify(meta.book.date or meta.date or "")
  local year = date:sub(1, 4)
  local site = stringify(meta.book["site-url"] or "")
  local url = page_url(site, file)
  local names = authors(meta)
  local is_front = (file == "index.qmd")
  local title = is_front and book_title or plain_title(meta)

  -- Google Scholar / Highwire tags
  local tags = {}
  local function tag(name, value)
    if value and value ~= "" then
      table.insert(tags, '<meta name="' .. name .. '" content="' .. html_escape(value) .. '">')
    end
  end
  tag("citation_title", title)
  for _, name in ipairs(names) do tag("citation_author", name) end
  tag("citation_publication_date", date)
  if not is_front then
    tag("citation_inbook_title", book_title)
    tag("citation_book_title", book_title)
    tag("citation_chapter", number)
  end
  tag("citation_public_url", url)
  tag("citation_version", version)
  tag("citation_language", "en")
  quarto.doc.include_text("in-header", table.concat(tags, "\n"))

  -- Visible block
  local who = table.concat(names, ", ")
  local label = is_front and "Cite this book" or "Cite this chapter"
  local plain
  local bib = {}
  if is_front then
    plain = who .. " (" .. year .. "). " .. book_title .. ". Version " .. version .. ", " .. date .. ". " .. url
    table.insert(bib, "@book{" .. key_for("book", year) .. ",")
  else
    local numbered = number and ((is_appendix and "Appendix " or "Chapter ") .. number .. ": ") or ""
    plain = who .. " (" .. year .. "). " .. numbered .. title .. ". In " .. book_title ..
      ", version " .. version .. ", " .. date .. ". " .. url
    table.insert(bib, "@incollection{" .. key_for(file, year) .. ",")
  end
  table.insert(bib, "  author    = {{" .. bibtex_escape(who) .. "}},")
  table.insert(bib, "  title     = {" .. bibtex_escape(title) .. "},")
  if not is_front then
    table.insert(bib, "  booktitle = {" .. bibtex_escape(book_title) .. "},")
    if number then table.insert(bib, "  chapter   = {" .. bibtex_escape(number) .. "},") end
  end
  table.insert(bib, "  year      = {" .. year .. "},")
  table.insert(bib, "  date      = {" .. date .. "},")
  table.insert(bib, "  version   = {" .. bibtex_escape(version) .. "},")
  table.insert(bib, "  url       = {" .. url .. "},")
  table.insert(bib, "}")

  local header = pandoc.Header(2, label, pandoc.Attr("cite-this-page", { "unnumbered", "unlisted" }))
  local block = pandoc.Div({
    header,
    pandoc.Para({ pandoc.Str(plain) }),
    pandoc.CodeBlock(table.concat(bib, "\n"), pandoc.Attr("", { "bibtex" })),
  }, pandoc.Attr("cite-this", { "cite-this" }))
  local references = chapter_references(doc)
  if references then doc.blocks:insert(references) end
  doc.blocks:insert(block)
  return doc
end
