# Helpers for setup steps (sourced, not run).
log() { printf '[setup] %s\n' "$*" >&2; }

# fail MESSAGE: stop the whole setup with a message (no later step runs, nothing is stamped).
fail() { log "FAILED: $*"; exit 1; }

# run_logged WHAT CMD...: run CMD with its output in a log file, showing progress while it
# runs (elapsed time and its latest output line, every few seconds); on failure print the
# end of the log and the failing command, then stop the setup.
run_logged() {
  local what=$1; shift
  local logfile; logfile=$(mktemp "${TMPDIR:-/tmp}/prosepy-setup.XXXXXX")
  local start=$SECONDS
  "$@" >"$logfile" 2>&1 &
  local pid=$! code=0 last="" shown=$SECONDS
  trap 'kill "$pid" 2>/dev/null' EXIT  # an interrupted setup leaves no step running
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    if (( SECONDS - shown >= 5 )); then
      shown=$SECONDS
      last=$(tail -c 2000 "$logfile" | tr '\r' '\n' | grep -v -e '^WARNING: Location' -e '^\s*$' | tail -n1 | cut -c1-90 || true)
      log "$what: $((SECONDS - start))s${last:+ - $last}"
    fi
  done
  wait "$pid" || code=$?
  trap - EXIT
  if [ "$code" -ne 0 ]; then
    grep -v '^WARNING: Location' "$logfile" | tail -n 30 >&2
    log "FAILED ($what, exit $code): $*"
    log "full output: $logfile"
    exit "$code"
  fi
  rm -f "$logfile"
}

# apt_need PKG...: install the Debian packages that are missing (as root only).
apt_need() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${missing[*]} (not root: install them with sudo apt-get install ${missing[*]})"
    return 0
  fi
  if [ -z "${PROSEPY_APT_UPDATED:-}" ]; then
    run_logged "apt-get update" apt-get update -q
    export PROSEPY_APT_UPDATED=1
  fi
  run_logged "apt-get install ${missing[*]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# stamp_ok NAME CONTENT: true when NAME's stamp already holds CONTENT.
stamp_ok() { [ -f "$PROSEPY_VENV/.stamp-$1" ] && [ "$(cat "$PROSEPY_VENV/.stamp-$1")" = "$2" ]; }
stamp_set() { printf '%s' "$2" > "$PROSEPY_VENV/.stamp-$1"; }

# pip_q ARGS...: pip install with progress; any failure stops the setup.
pip_q() { run_logged "pip install $(printf '%s ' "$@" | cut -c1-60)" "$PROSEPY_VENV/bin/pip" install --progress-bar off "$@"; }
pip_q_uninstall() { "$PROSEPY_VENV/bin/pip" uninstall -y -q "$@" >&2 || true; }
