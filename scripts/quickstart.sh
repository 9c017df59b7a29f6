#!/usr/bin/env bash
# The README's first command: set everything up, then run the demo (synthesise data, train, evaluate, report).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node dist/src/cli/main.js demo "$@"
