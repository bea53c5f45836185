#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and runs each for a bounded time.
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 300 s; targets: yaml markdown expressions)
# Seeds come from examples/ and the test fixtures; the growing corpus lives in .build-fuzz/corpus/
# so later runs start where earlier ones stopped. A crash leaves its input in .build-fuzz/artifacts/
# and makes this script exit 1: copy that input into Tests/RunbookTests/Fixtures/fuzz-regressions/
# (a regression test from then on) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(yaml markdown expressions)

build=.build-fuzz
product_for() { case "$1" in yaml) echo FuzzYAML ;; markdown) echo FuzzMarkdown ;; expressions) echo FuzzExpressions ;; *) echo "unknown fuzz target: $1 (yaml, markdown, expressions)" >&2; exit 2 ;; esac; }

# Swift sources get coverage and ASan from -sanitize; the C sources SwiftPM compiles (libyaml inside
# Yams) get the same through -Xcc. cmark-gfm and libgit2 are Debian's prebuilt libraries: uninstrumented.
mkdir -p "$build"
for target in "${targets[@]}"; do
  product="$(product_for "$target")"
  echo "== build $product (release, -sanitize=fuzzer,address)"
  if ! RBC_FUZZ=1 swift build -c release --build-path "$build" -Xswiftc -sanitize=fuzzer,address \
       -Xcc -fsanitize=fuzzer-no-link,address --product "$product" > "$build/build-$target.log" 2>&1; then
    grep -E "error" "$build/build-$target.log" | head -20 >&2
    echo "fuzz: build of $product failed (log: $build/build-$target.log)" >&2
    exit 2
  fi
done

seeds="$build/seeds"
rm -rf "$seeds" && mkdir -p "$seeds/yaml" "$seeds/markdown" "$seeds/expressions"
cp examples/*.yaml examples/broken/*.yaml Tests/RunbookTests/Fixtures/diagnostics/*.yaml "$seeds/yaml/"
cp examples/*.md examples/broken/*.md Tests/RunbookTests/Fixtures/diagnostics/*.md "$seeds/markdown/"
# Past crashes seed their own target again.
shopt -s nullglob
regressions=Tests/RunbookTests/Fixtures/fuzz-regressions
for file in "$regressions"/*.yaml; do cp "$file" "$seeds/yaml/"; done
for file in "$regressions"/*.md; do [ "$(basename "$file")" = README.md ] || cp "$file" "$seeds/markdown/"; done
for file in "$regressions"/*.expr; do cp "$file" "$seeds/expressions/"; done
# Every `${{ … }}` body and every `when:` condition in the seeds, one per file.
n=0
while IFS= read -r expression; do
  n=$((n + 1)); printf '%s' "$expression" > "$seeds/expressions/$n"
done < <(cat "$seeds"/yaml/* "$seeds"/markdown/* | grep -oE '\$\{\{[^}]*\}\}|when: .*' | sed -E 's/^\$\{\{ *//; s/ *\}\}$//; s/^when: *//' | sort -u)

mkdir -p "$build/artifacts"
# The targets fuzz side by side (CI has 2 cores; one after another tripled the wall time), each for
# the full SECONDS; their reports are printed in order once all have ended.
run_target() {
  local target="$1" corpus="$build/corpus/$1"
  mkdir -p "$corpus"
  echo "== fuzz $target for ${seconds}s (seeds: $(ls "$seeds/$target" | wc -l), corpus: $(ls "$corpus" | wc -l))" > "$build/$target.summary"
  # Swift's own backtracer would race libFuzzer's crash handler; leaks are not crashes (Swift keeps
  # global caches alive until exit), so only memory errors, traps and timeouts count.
  if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
     "$build/release/$(product_for "$target")" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "$corpus" "$seeds/$target" \
       > "$build/$target.log" 2>&1; then
    { grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^stat::new_units_added" "$build/$target.log" | tr '\n' ' '; echo; } >> "$build/$target.summary"
    return 0
  fi
  { echo "fuzz $target FOUND A CRASH:"; grep -E "ERROR|Fatal error|fuzz invariant|SUMMARY|Test unit written" "$build/$target.log" | head -8; } >> "$build/$target.summary"
  return 1
}

pids=()
for target in "${targets[@]}"; do
  run_target "$target" &
  pids+=("$!")
done
status=0
for i in "${!targets[@]}"; do
  wait "${pids[$i]}" || status=1
  cat "$build/${targets[$i]}.summary"
done
exit $status
