# The snippet Python of the views tests (test profile only): a venv in the cache with pandas,
# numpy and matplotlib (tests/views/requirements.txt), standing for a data person's own
# environment that run.python points at. Re-installed only when the requirements change.
[ "$PROSEPY_PROFILE" = test ] || return 0
snippet_venv="$PROSEPY_CACHE/snippet-python"
snippet_req="$PROSEPY_ROOT/tests/views/requirements.txt"
snippet_hash=$(sha256sum "$snippet_req" | cut -c1-16)
if [ "$(cat "$snippet_venv/.prosepy-stamp" 2>/dev/null)" != "$snippet_hash" ] \
  || ! "$snippet_venv/bin/python" -c "import pandas, numpy, matplotlib" 2>/dev/null; then
  log "installing pandas, numpy and matplotlib into $snippet_venv (the views tests' run.python)"
  python3 -m venv "$snippet_venv"
  run_logged "pip install (snippet Python)" "$snippet_venv/bin/pip" install --progress-bar off \
    --disable-pip-version-check -r "$snippet_req"
  printf '%s' "$snippet_hash" > "$snippet_venv/.prosepy-stamp"
fi
