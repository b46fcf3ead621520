#!/usr/bin/env bash
# Starts tslab from the repository root: tslab resolves `./lib/...` imports against its working
# directory, so every notebook imports the library the same way wherever the notebook lives.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
exec "${AT_ODDS_NODE:-node}" node_modules/tslab/bin/tslab kernel --config-path "$1"
