# npm packages of the VS Code extension (test profile): type checking, linting and packaging
# in scripts/test need them; the demo runs in a terminal and does not. Installed from
# package-lock.json; skipped when it has not changed.
ext_dir="$PROSEPY_ROOT/extension"
if [ "$PROSEPY_PROFILE" != test ] || [ ! -f "$ext_dir/package.json" ]; then
  :
elif ! command -v npm >/dev/null 2>&1; then
  log "npm not found: the VS Code extension is not built (install Node.js 20 and npm)"
else
  lock_hash=$(cat "$ext_dir/package.json" "$ext_dir/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)
  if [ "$(cat "$ext_dir/node_modules/.prosepy-stamp" 2>/dev/null)" != "$lock_hash" ]; then
    log "installing the extension's npm packages"
    if [ -f "$ext_dir/package-lock.json" ]; then
      run_logged "npm ci (extension)" npm --prefix "$ext_dir" ci --no-audit --no-fund --loglevel=error
    else
      run_logged "npm install (extension)" npm --prefix "$ext_dir" install --no-audit --no-fund --loglevel=error
    fi
    printf '%s' "$lock_hash" > "$ext_dir/node_modules/.prosepy-stamp"
  fi
fi
