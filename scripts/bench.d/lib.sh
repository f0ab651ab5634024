# Shared by the benchmarks: a release build in build-release and a way to
# run a command N times reporting the median wall time and peak RSS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)
scripts/deps build >/dev/null
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)" --target bulletin >/dev/null
BULLETIN=$ROOT/build-release/bulletin
# measure RUNS CMD...: prints "median_seconds peak_rss_kb" over RUNS runs.
measure() {
  python3 "$ROOT/scripts/bench.d/measure.py" "$@"
}
