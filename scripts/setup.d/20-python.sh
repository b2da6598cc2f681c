# The virtual environment and prosepy with its Python dependencies.
if [ ! -x "$PROSEPY_VENV/bin/python" ]; then
  log "creating $PROSEPY_VENV"
  python3 -m venv "$PROSEPY_VENV"
  pip_q --upgrade pip
fi
deps_hash=$(sha256sum "$PROSEPY_ROOT/pyproject.toml" | cut -c1-16)
if ! stamp_ok python "$deps_hash"; then
  log "installing prosepy and its Python dependencies"
  pip_q -e "$PROSEPY_ROOT[dev,ctransformers]"
  stamp_set python "$deps_hash"
fi
