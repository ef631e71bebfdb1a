# shellcheck shell=bash
# Shared by e2e/*.sh: where the real tier keeps its binaries, and how it talks.
# The cache lives outside the checkout (a fresh clone on the same machine reuses it); override it
# with LMC_E2E_CACHE.
E2E_CACHE="${LMC_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linkerd-multicluster-e2e}"
# shellcheck disable=SC2034  # used by the scripts that source this file
E2E_BIN="$E2E_CACHE/bin"
# shellcheck disable=SC2034
E2E_VENV="$ROOT/.venv-e2e"
say() { printf 'scripts/e2e: %s\n' "$*" >&2; }
die() { printf 'scripts/e2e: error: %s\n' "$*" >&2; exit 1; }
