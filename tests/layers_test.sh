#!/usr/bin/env bash
# The layout's two rules (README "Layout"), checked on the sources:
# - an include never runs from a lower layer to a higher one, nor sideways
#   between two rooms of one floor;
# - nothing below a program's main reads the environment (getenv).
set -uo pipefail
src=${DC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}/src

# Floor of each folder, lowest first (ARCHITECTURE.md).
declare -A floor=(
  [base]=0
  [http]=1 [host]=1 [protocol]=1
  [framework]=2 [plan]=2 [codec]=2
  [fetch]=3 [docker]=3
  [container]=4
  [commands]=5 [init]=5
  [executor]=6
)
# The tops of the programs, which read the environment and pass it down:
# docker-containerizer's main, the fetcher's, and launch-container's option
# parser (the top of that program: its defaults come from its environment).
readonly tops="main.cpp fetch/main.cpp framework/options.cpp"

failed=0
fail() {
  echo "layers_test: $*" >&2
  failed=1
}

cd "$src" || exit 1
for file in $(find . -mindepth 2 -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' \) | sort); do
  file=${file#./}
  room=${file%%/*}
  [ -n "${floor[$room]+x}" ] || { fail "$file: folder $room has no floor in this test"; continue; }
  while IFS= read -r included; do
    # "../protocol/check_channel.h" (the C init's relative include) is protocol's.
    included=${included#../}
    to=${included%%/*}
    [ "$included" != "$to" ] || continue  # a file of the same folder (framework's own)
    [ -n "${floor[$to]+x}" ] || continue   # generated (version.h) or not ours
    if [ "$to" != "$room" ] && [ "${floor[$to]}" -ge "${floor[$room]}" ]; then
      fail "$file (floor ${floor[$room]}) includes $included (floor ${floor[$to]})"
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done

for file in $(grep -rl 'getenv' --include='*.cpp' --include='*.hpp' --include='*.c' --include='*.h' . | sort); do
  file=${file#./}
  case " $tops " in *" $file "*) continue ;; esac
  # Comments may name it.
  if grep -v '^\s*//' "$file" | grep -q 'getenv\s*('; then fail "$file calls getenv below its program's main"; fi
done

[ $failed = 0 ] && echo "layers_test: every include runs downward; only the mains read the environment"
exit $failed
