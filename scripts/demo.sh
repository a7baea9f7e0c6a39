#!/usr/bin/env bash
# Install sendim into .venv and simulate the bundled dumbbell example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/sendim run examples/dumbbell/system.xml --deploy examples/dumbbell/sim.xml "$@"
