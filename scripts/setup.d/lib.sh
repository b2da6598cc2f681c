# Helpers for setup steps (sourced, not run).
log() { printf '[setup] %s\n' "$*" >&2; }

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
    log "apt-get update"
    apt-get update -qq >/dev/null
    export PROSEPY_APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# stamp_ok NAME CONTENT: true when NAME's stamp already holds CONTENT.
stamp_ok() { [ -f "$PROSEPY_VENV/.stamp-$1" ] && [ "$(cat "$PROSEPY_VENV/.stamp-$1")" = "$2" ]; }
stamp_set() { printf '%s' "$2" > "$PROSEPY_VENV/.stamp-$1"; }

pip_q() { "$PROSEPY_VENV/bin/pip" install -q "$@" 2>&1 | grep -v '^WARNING: Location' || true; }
