#!/usr/bin/env bash
# Runs every fuzz target for $1 seconds (default 600) each, one after another.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
for t in $(cargo fuzz list); do
  echo "== $t for ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -s none -- -max_total_time="$secs" -rss_limit_mb=4096
done
