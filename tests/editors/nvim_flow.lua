-- Drive prosepy from headless Neovim through plain LSP only (no prosepy-specific client code):
-- code action -> edit applied, run -> inlay value and diagnostics, hover.
--
-- Environment: PROSEPY_PYTHON (interpreter with prosepy), FLOW_FILE (the Python file to open),
-- FLOW_RESULT (where to write what was seen, as JSON), FLOW_STEPS (comma-separated subset of
-- generate,run,error,fix,hover,explain), FLOW_NO_RESOLVE (1: no codeAction/resolve support), FLOW_TIMEOUT_MS (per request).
-- Works on Neovim 0.7 (Debian) and later: start_client + buf_attach_client + *_sync requests.

local python = os.getenv("PROSEPY_PYTHON") or "python3"
local file = assert(os.getenv("FLOW_FILE"), "FLOW_FILE")
local result_path = assert(os.getenv("FLOW_RESULT"), "FLOW_RESULT")
local steps = {}
for name in string.gmatch(os.getenv("FLOW_STEPS") or "generate,run,error,hover", "[^,]+") do
  steps[name] = true
end
local timeout = tonumber(os.getenv("FLOW_TIMEOUT_MS") or "120000")

local seen = { steps = {}, messages = {}, errors = {} }

local function log(...)
  io.stderr:write("[nvim-flow] " .. table.concat(vim.tbl_map(tostring, { ... }), " ") .. "\n")
end

local function finish(ok)
  local f = assert(io.open(result_path, "w"))
  f:write(vim.fn.json_encode(seen))
  f:close()
  if ok then
    vim.cmd("qall!")
  else
    vim.cmd("cquit 1")
  end
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
end

-- Messages the server shows (window/showMessage) are kept, not printed into the UI.
local handlers = {
  ["window/showMessage"] = function(_, params)
    table.insert(seen.messages, params.message)
  end,
}

vim.cmd("edit " .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.bo[bufnr].filetype = "python"
local uri = vim.uri_from_bufnr(bufnr)

-- FLOW_NO_RESOLVE=1 plays a client without codeAction/resolve: the server then attaches a
-- command that applies the edit itself with workspace/applyEdit (Neovim's default handler).
local capabilities = vim.lsp.protocol.make_client_capabilities()
if os.getenv("FLOW_NO_RESOLVE") == "1" then
  capabilities.textDocument.codeAction.resolveSupport = nil
end

local client_id = vim.lsp.start_client({
  capabilities = capabilities,
  name = "prosepy",
  cmd = { python, "-m", "prosepy.server", "serve" },
  root_dir = vim.fn.fnamemodify(file, ":p:h"),
  init_options = { explain = { language = "en" } },
  handlers = handlers,
  flags = { debounce_text_changes = 0 },
})
assert(client_id, "could not start the prosepy server")
vim.lsp.buf_attach_client(bufnr, client_id)
local client = vim.lsp.get_client_by_id(client_id)
if not vim.wait(60000, function() return client.initialized end, 50) then
  table.insert(seen.errors, "server did not initialize")
  finish(false)
  return
end
seen.server = client.server_capabilities and client.server_capabilities.executeCommandProvider or {}

local function request(method, params)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, timeout)
  if not responses then
    error(method .. ": " .. tostring(err))
  end
  local response = responses[client_id]
  if response.err then
    error(method .. ": " .. vim.inspect(response.err))
  end
  return response.result
end

local function step(name, fn)
  if not steps[name] then
    return
  end
  log("step", name)
  local ok, value = pcall(fn)
  table.insert(seen.steps, { name = name, ok = ok })
  if ok then
    seen[name] = value
  else
    table.insert(seen.errors, name .. ": " .. tostring(value))
    log("failed:", value)
    finish(false)
    error("stop")
  end
end

local function code_actions(line)
  local actions = request("textDocument/codeAction", {
    textDocument = { uri = uri },
    range = { start = { line = line, character = 0 }, ["end"] = { line = line, character = 0 } },
    context = { diagnostics = {} },
  }) or {}
  local titles = {}
  for _, a in ipairs(actions) do
    table.insert(titles, a.title)
  end
  return actions, titles
end

local function find_generate(actions)
  for _, a in ipairs(actions) do
    if a.title:match("^Generate code") then
      return a
    end
  end
  error("no 'Generate code' action")
end

local function wait_for_text_change(before)
  if not vim.wait(timeout, function() return buffer_text(bufnr) ~= before end, 50) then
    error("the buffer did not change")
  end
  return buffer_text(bufnr)
end

-- As Neovim's own vim.lsp.buf.code_action does: resolve the edit, then apply it (or run the
-- action's command); the resolved action and the buffer's text once it changed.
local function take(action)
  local before = buffer_text(bufnr)
  local resolved = action
  if not action.edit and not action.command then
    resolved = client.request_sync("codeAction/resolve", action, timeout, bufnr).result
  end
  if resolved.edit then
    vim.lsp.util.apply_workspace_edit(resolved.edit, client.offset_encoding)
  elseif resolved.command then
    client.request_sync("workspace/executeCommand", resolved.command, timeout, bufnr)
  else
    error("no edit came back (server said: " .. table.concat(seen.messages, " | ") .. ")")
  end
  return resolved, wait_for_text_change(before)
end

local function run_file()
  local reply = client.request_sync("workspace/executeCommand", {
    command = "prosepy.runFile",
    arguments = { { uri = uri } },
  }, timeout, bufnr)
  if reply.err then
    error(vim.inspect(reply.err))
  end
  return reply.result
end

step("generate", function()
  local actions, titles = code_actions(0)
  local action = find_generate(actions)
  local resolved, text = take(action)
  local via = resolved.edit and (action.edit and "edit" or "resolve") or "command"
  return { titles = titles, via = via, text = text }
end)

local function inlay_hints()
  local last = vim.api.nvim_buf_line_count(bufnr)
  return request("textDocument/inlayHint", {
    textDocument = { uri = uri },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } },
  }) or {}
end

step("run", function()
  local result = run_file()
  local hints = {}
  for _, h in ipairs(inlay_hints()) do
    local label = type(h.label) == "string" and h.label or h.label[1].value
    table.insert(hints, { line = h.position.line, label = label })
  end
  return { ok = result.ok, stdout = result.stdout, hints = hints }
end)

-- A line that raises: the run reports it as a diagnostic on that line.
step("error", function()
  local last = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_buf_set_lines(bufnr, last, last, false, { "1 / 0" })
  local result = run_file()
  local diags = {}
  vim.wait(timeout, function()
    diags = vim.diagnostic.get(bufnr)
    return #diags > 0
  end, 50)
  local out = {}
  for _, d in ipairs(diags) do
    table.insert(out, { line = d.lnum, message = d.message, severity = d.severity, source = d.source })
  end
  return { ok = result.ok, diagnostics = out, line = last }
end)

-- "Fix this error": the quick fix on the run's diagnostic, as vim.lsp.buf.code_action asks for
-- it (the line's diagnostics in the context), resolved or run as a command, then the file runs.
step("fix", function()
  local line = assert(seen.error, "the fix step needs the error step").line
  local context = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = line })) do
    table.insert(context, {
      range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.end_lnum, character = d.end_col } },
      message = d.message, severity = d.severity, source = d.source,
    })
  end
  local actions = request("textDocument/codeAction", {
    textDocument = { uri = uri },
    range = { start = { line = line, character = 0 }, ["end"] = { line = line, character = 0 } },
    context = { diagnostics = context },
  }) or {}
  local action
  for _, a in ipairs(actions) do
    if a.kind == "quickfix.prosepy.fixError" then action = a end
  end
  assert(action, "no 'Fix this error' action among " .. #actions)
  local resolved, text = take(action)
  local result = run_file()
  return { title = resolved.title, via = resolved.edit and "resolve" or "command", text = text,
           ok = result.ok, stdout = result.stdout }
end)

step("hover", function()
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local line, col
  for i, text in ipairs(lines) do
    local s = text:find("sum")
    if s then
      line, col = i - 1, s
      break
    end
  end
  assert(line, "no line with sum() to hover")
  local hover = request("textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = line, character = col },
  })
  assert(hover, "no hover")
  local contents = vim.lsp.util.convert_input_to_markdown_lines(hover.contents)
  return { line = line, text = table.concat(contents, "\n") }
end)

-- the model explains a selection on request (workspace/executeCommand, as any client can)
step("explain", function()
  local reply = client.request_sync("workspace/executeCommand", {
    command = "prosepy.explainWithModel",
    arguments = { { uri = uri, range = { start = { line = 1, character = 0 }, ["end"] = { line = 2, character = 0 } } } },
  }, timeout, bufnr)
  if reply.err then
    error(vim.inspect(reply.err))
  end
  return reply.result
end)

client.stop()
vim.wait(5000, function() return client.is_stopped() end, 50)
finish(true)
