-- Drives `provenant server` from Neovim's own LSP client (headless, no plugin, no user config) and writes
-- what the editor saw as JSON to $PROBE_OUT: the diagnostics on open, a hover, the code actions, and the
-- diagnostics after an edit of the buffer (sent as Neovim sends it, incrementally when the server asks so).
local out = os.getenv('PROBE_OUT')
local function finish(result)
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end
local function seen(buf)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(list, { lnum = d.lnum, col = d.col, message = d.message, source = d.source, code = d.code, severity = d.severity })
  end
  table.sort(list, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
  return list
end

vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('PROBE_FILE')))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = 'provenant',
  cmd = { os.getenv('PROBE_NODE'), os.getenv('PROBE_BIN'), 'server', '--stdio' },
  root_dir = os.getenv('PROBE_ROOT'),
})
if not id then return finish({ error = 'the client did not start' }) end
vim.lsp.buf_attach_client(buf, id)
local result = { opened = vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50) }
result.diagnostics = seen(buf)
local client = vim.lsp.get_client_by_id(id)
local first = vim.diagnostic.get(buf)[1]
if first then
  local uri = vim.uri_from_bufnr(buf)
  local at = { line = first.lnum, character = first.col }
  local hover = client.request_sync('textDocument/hover', { textDocument = { uri = uri }, position = at }, 10000, buf)
  result.hover = hover and hover.result and hover.result.contents.value or vim.NIL
  local actions = client.request_sync('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = at, ['end'] = at },
    context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf, first.lnum) },
  }, 10000, buf)
  result.actions = {}
  for _, a in ipairs((actions and actions.result) or {}) do table.insert(result.actions, a.title) end
end
-- the edit: the line with the problem replaced; the server must see the buffer, not the file
local line = tonumber(os.getenv('PROBE_EDIT_LINE'))
vim.api.nvim_buf_set_lines(buf, line, line + 1, false, { os.getenv('PROBE_EDIT_TEXT') })
local before = #result.diagnostics
result.edited = vim.wait(30000, function() return #vim.diagnostic.get(buf) < before end, 50)
result.after = seen(buf)
client.stop()
finish(result)
