# Opt-in: llama-cpp-python built on this machine, for those who want its speed.
#
#   PROSEPY_LLAMA_BUILD=1 scripts/setup      (about 5 minutes on 2 cores, once)
#
# The default runtime is the prebuilt xllamacpp wheel (a plain dependency: no compiler).
# This build never uses -march=native: GGML_NATIVE=OFF, and each x86 extension is turned on
# only when /proc/cpuinfo lists it (a native build turned on AMX and segfaulted on a CPU
# that advertises it). The wheel is cached per flag set in $PROSEPY_CACHE/wheels, and it is
# used only after a real generation in a child process worked; then select it with the
# setting model.runtime = "llama-cpp-python".
[ "${PROSEPY_LLAMA_BUILD:-0}" = 1 ] || return 0
LLAMA_VERSION=0.3.36
cpu_flags=" $(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do [[ "$cpu_flags" == *" $f "* ]] || return 1; done; }
cmake_args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
cmake_args+=" -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF"
if [ "$(uname -m)" = x86_64 ]; then
  for pair in AVX:avx AVX2:avx2 FMA:fma F16C:f16c BMI2:bmi2 \
              AVX512:avx512f,avx512cd,avx512vl,avx512dq,avx512bw; do
    name=${pair%%:*}; need=${pair#*:}
    if has ${need//,/ }; then cmake_args+=" -DGGML_$name=ON"; else cmake_args+=" -DGGML_$name=OFF"; fi
  done
fi
flag_hash=$(printf '%s %s' "$LLAMA_VERSION" "$cmake_args" | sha256sum | cut -c1-12)
if ! stamp_ok llama "$flag_hash"; then
  apt_need build-essential cmake ninja-build
  wheel_dir="$PROSEPY_CACHE/wheels/llama-$flag_hash"
  wheel=$(ls "$wheel_dir"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    log "building llama-cpp-python $LLAMA_VERSION with $cmake_args (about 5 minutes); cached in $wheel_dir"
    mkdir -p "$wheel_dir.partial"
    run_logged "building llama-cpp-python" env CMAKE_ARGS="$cmake_args" \
      CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$PROSEPY_VENV/bin/pip" wheel --no-deps \
      "llama-cpp-python==$LLAMA_VERSION" -w "$wheel_dir.partial"
    rm -rf "$wheel_dir" && mv "$wheel_dir.partial" "$wheel_dir"
    wheel=$(ls "$wheel_dir"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n1)
  fi
  # this build, even over another build of the same version; then its dependencies
  # (diskcache, jinja2, numpy, typing-extensions), which --no-deps left out
  pip_q --force-reinstall --no-deps "$wheel"
  pip_q "$wheel"
  log "proving the build with a real generation in a child process"
  if ! "$PROSEPY_VENV/bin/python" -m prosepy.server.models.doctor --prove llama-cpp-python >&2; then
    pip_q_uninstall llama-cpp-python
    fail "the llama-cpp-python build failed its test generation and was removed; the default runtime (xllamacpp) stays in use"
  fi
  stamp_set llama "$flag_hash"
  log 'llama-cpp-python works here: select it with the setting model.runtime = "llama-cpp-python"'
fi
