#!/usr/bin/env bash
# The README's test command (CI runs it from a clean clone): set up, install the test oracles, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Test-only oracles: torchvision on the same libtorch (parity), Chromium (report rendering).
source scripts/lib.sh
if is_root && have_apt; then apt_install python3-torchvision chromium; else say "not root: parity/report tests skip unless python3-torchvision and chromium are installed"; fi
# The addon against libtorch 2.x CPU and CUDA headers (-fsyntax-only; no GPU needed): the build above covers this libtorch.
bash scripts/compile-check.sh
# Lint and format (biome); a finding fails the script before the tests run.
npm run lint
npm test
