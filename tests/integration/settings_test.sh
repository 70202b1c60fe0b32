#!/usr/bin/env bash
# Settings: bin/docker-containerizer sources bin/environment.sh (else the
# .dist), the environment wins over the file, every setting is also a flag,
# and environment.sh.dist and the man page document every one.
source "$(dirname "$0")/lib.sh"

flags=$("$DC" --help | grep -o 'Env:CONTAINERIZER_[A-Z_]*' | sed 's/Env:CONTAINERIZER_//' | sort)
wrapper=$(sed -n '/^names="/,/"$/p' "$DC_ROOT/bin/docker-containerizer" | tr -d '"' | sed 's/names=//' |
  tr ' ' '\n' | grep -v '^$' | grep -vx BINARY | sort)
equals "the wrapper preserves every setting the binary has" "$flags" "$wrapper"
dist=$(grep -o '^CONTAINERIZER_[A-Z_]*' "$DC_ROOT/environment.sh.dist" | sed 's/CONTAINERIZER_//' | sort)
equals "environment.sh.dist documents every setting" "$flags" "$dist"
man=$(grep -o '^\*\*CONTAINERIZER_[A-Z_]*\*\*' "$DC_ROOT/bin/docker-containerizer.8.md" | tr -d '*' |
  sed 's/CONTAINERIZER_//' | grep -vx BINARY | sort)
equals "the man page documents every setting" "$flags" "$man"

# A copy of the project's bin/ with its own environment.sh, so the real one is untouched.
mkdir -p "$T/project/bin"
cp "$DC_ROOT/bin/docker-containerizer" "$T/project/bin/"
export CONTAINERIZER_BINARY=${CONTAINERIZER_BINARY:-$DC_ROOT/build/docker-containerizer}
echo 'CONTAINERIZER_FRAME_LIMIT=1' >"$T/project/bin/environment.sh"
echo 'container_id { value: "x" }' | encode Wait >"$T/wait.bin"
"$T/project/bin/docker-containerizer" wait <"$T/wait.bin" 2>"$T/err" >/dev/null
contains "bin/environment.sh is read" "exceeds the limit of 1" "$(cat "$T/err")"
CONTAINERIZER_FRAME_LIMIT=2 "$T/project/bin/docker-containerizer" wait <"$T/wait.bin" 2>"$T/err" >/dev/null
contains "the environment wins over the file" "exceeds the limit of 2" "$(cat "$T/err")"
"$T/project/bin/docker-containerizer" --frame-limit 3 wait <"$T/wait.bin" 2>"$T/err" >/dev/null
contains "a flag wins over both" "exceeds the limit of 3" "$(cat "$T/err")"
CONTAINERIZER_TASK_MODE=sideways "$DC" wait <"$T/wait.bin" 2>"$T/err" >/dev/null
equals "a bad setting is refused in one line" "1" "$(wc -l <"$T/err")"
contains "a bad setting names the variable" "CONTAINERIZER_TASK_MODE" "$(cat "$T/err")"
finish
