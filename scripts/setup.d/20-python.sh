# The virtual environment and prosepy with its Python dependencies: the demo needs only the
# runtime dependencies (the xllamacpp wheel included); the test profile adds the dev tools
# and ctransformers.
if [ ! -x "$PROSEPY_VENV/bin/python" ]; then
  log "creating $PROSEPY_VENV"
  python3 -m venv "$PROSEPY_VENV"
  pip_q --upgrade pip
fi
deps_hash=$(sha256sum "$PROSEPY_ROOT/pyproject.toml" | cut -c1-16)
extras=""
[ "$PROSEPY_PROFILE" = test ] && extras="[dev,ctransformers]"
# a test install covers the demo's needs
if ! stamp_ok python "$deps_hash $PROSEPY_PROFILE" \
  && ! { [ "$PROSEPY_PROFILE" = demo ] && stamp_ok python "$deps_hash test"; }; then
  log "installing prosepy${extras} and its Python dependencies"
  pip_q -e "$PROSEPY_ROOT$extras"
  stamp_set python "$deps_hash $PROSEPY_PROFILE"
fi
