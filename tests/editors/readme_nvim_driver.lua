-- Load the README's Neovim config (README_LUA) as a user's init.lua, then use it as a user
-- would: open the file, take the Generate code action, :ProsepyRun file, read the inlay
-- value, hover, :ProsepyVariables. Writes what it saw to FLOW_RESULT as JSON. Needs Neovim 0.11+.
local file = assert(os.getenv("FLOW_FILE"))
local result_path = assert(os.getenv("FLOW_RESULT"))
local timeout = tonumber(os.getenv("FLOW_TIMEOUT_MS") or "120000")
local seen = { notes = {}, errors = {} }

local function finish(ok)
  local f = assert(io.open(result_path, "w"))
  f:write(vim.json.encode(seen))
  f:close()
  vim.cmd(ok and "qall!" or "cquit 1")
end

local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(seen.notes, msg)
  return notify(msg, level, opts)
end

local ok, err = pcall(function()
  dofile(assert(os.getenv("README_LUA")))
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local client
  assert(vim.wait(60000, function()
    client = vim.lsp.get_clients({ name = "prosepy", bufnr = buf })[1]
    return client ~= nil and client.initialized
  end, 50), "the README config did not start prosepy for a python buffer")

  -- generate: the code action, applied as vim.lsp.buf.code_action() does (resolving its edit)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(a) return a.title:match("^Generate code") ~= nil end,
  })
  assert(vim.wait(timeout, function() return vim.api.nvim_buf_line_count(buf) > 2 end, 50),
    "the generated code was not inserted")
  seen.text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")

  -- run through the README's user command; values come back as inlay hints
  vim.cmd("ProsepyRun file")
  local labels = {}
  assert(vim.wait(timeout, function()
    labels = {}
    for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = buf })) do
      local label = item.inlay_hint.label
      table.insert(labels, type(label) == "string" and label or label[1].value)
    end
    return #labels > 0
  end, 100), "no inlay hint after :ProsepyRun file")
  seen.hints = labels

  -- hover (K) on `sum`
  local line = vim.fn.search("sum", "w")
  assert(line > 0, "no sum() in the generated code")
  local col = vim.fn.col(".") - 1
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line - 1, character = col },
  }, timeout)
  local hover = responses and responses[client.id] and responses[client.id].result
  assert(hover, "no hover")
  seen.hover = table.concat(vim.lsp.util.convert_input_to_markdown_lines(hover.contents), "\n")

  -- the README's :ProsepyVariables fills the quickfix list with the session's variables
  vim.cmd("ProsepyVariables")
  local qf
  assert(vim.wait(timeout, function()
    qf = vim.fn.getqflist({ title = 1, items = 1 })
    return qf.title == "prosepy: variables" and #qf.items > 0
  end, 50), "no variables in the quickfix list after :ProsepyVariables")
  seen.variables = {}
  for _, item in ipairs(qf.items) do
    table.insert(seen.variables, { text = item.text, lnum = item.lnum })
  end
  seen.quickfix_open = vim.fn.getqflist({ winid = 1 }).winid ~= 0
end)
if not ok then
  table.insert(seen.errors, tostring(err))
end
finish(ok)
