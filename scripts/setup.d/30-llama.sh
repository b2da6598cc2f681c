# llama-cpp-python has no wheel for this platform on PyPI: build it once (~20 min on 2 cores)
# into $PROSEPY_CACHE/wheels and install from there every later time (seconds).
LLAMA_VERSION=0.3.36
if ! "$PROSEPY_VENV/bin/python" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$LLAMA_VERSION')" 2>/dev/null; then
  wheel_dir="$PROSEPY_CACHE/wheels"
  mkdir -p "$wheel_dir"
  wheel=$(ls "$wheel_dir"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    log "building llama-cpp-python $LLAMA_VERSION once (about 20 minutes); cached in $wheel_dir"
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$PROSEPY_VENV/bin/pip" wheel -q --no-deps \
      "llama-cpp-python==$LLAMA_VERSION" -w "$wheel_dir" 2>&1 | grep -v '^WARNING: Location' || true
    wheel=$(ls "$wheel_dir"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n1)
  fi
  log "installing $(basename "$wheel")"
  pip_q "$wheel"
fi
