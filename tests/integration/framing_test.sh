#!/usr/bin/env bash
# Bad frames are refused: non-zero exit, one clear line on stderr, nothing on
# stdout. Also the encode/decode round trip a person uses by hand.
source "$(dirname "$0")/lib.sh"

# frame_refused DESCRIPTION EXPECTED_STDERR_TEXT COMMAND FRAME_FILE: input
# ends after the file (a truncated frame can only be told from end of input).
frame_refused() {
  "$DC" "$3" <"$4" >"$T/out" 2>"$T/err"
  one_line $? fail "$2"
  verdict "$1"
}

: >"$T/empty"
frame_refused "empty input is refused" "empty input" wait "$T/empty"
printf '\x05\x00' >"$T/short-length"
frame_refused "a short length is refused" "short frame length" wait "$T/short-length"
printf '\x10\x00\x00\x00abc' >"$T/short-payload"
frame_refused "a payload shorter than announced is refused" "payload shorter than announced" wait "$T/short-payload"
printf '\x00\x00\x00\x7f' >"$T/huge"
frame_refused "a length above the limit is refused" "exceeds the limit" wait "$T/huge"
printf '\x03\x00\x00\x00\xff\xff\xff' >"$T/garbage"
frame_refused "bytes that do not parse are refused" "cannot parse" wait "$T/garbage"
printf '\x00\x00\x00\x00' >"$T/zero"
frame_refused "a Wait without container_id is refused" "lacks required fields" wait "$T/zero"
echo 'container_id { value: "../etc" }' | encode Wait >"$T/bad-id"
frame_refused "a container id that could escape a path is refused" "invalid container id" wait "$T/bad-id"
printf '\x00\x00\x00\x00' >"$T/zero-launch"
frame_refused "a Launch without container_id is refused" "lacks required fields" launch "$T/zero-launch"
CONTAINERIZER_FRAME_LIMIT=4 frame_refused "the frame limit is a setting" "exceeds the limit of 4" wait "$(frame_for Wait x)"

text='container_id {
  value: "x"
}'
equals "encode then decode gives the same message" "$text" \
  "$(echo 'container_id { value: "x" }' | "$DC" encode Wait | "$DC" decode Wait)"
check "a 0-length payload decodes as an empty Containers" \
  bash -c "printf '\x00\x00\x00\x00' | '$DC' decode Containers"
err=$("$DC" encode Nope </dev/null 2>&1 >/dev/null)
contains "an unknown message name lists the valid ones" "valid messages: Containers, Destroy" "$err"
"$DC" frobnicate >"$T/usage-out" 2>"$T/usage-err"
equals "an unknown command exits 2" 2 "$?"
equals "with one line on stderr naming it and the known ones" \
  "docker-containerizer: unknown command 'frobnicate' (known: launch, update, usage, wait, destroy, containers, recover, encode, decode, enter, check)" \
  "$(cat "$T/usage-err")"
equals "and nothing on stdout" 0 "$(wc -c <"$T/usage-out")"
"$DC" >"$T/usage-out" 2>"$T/usage-err"
equals "a missing command exits 2" 2 "$?"
equals "with one line on stderr" 1 "$(wc -l <"$T/usage-err")"
contains "saying so" "no command given (known: launch," "$(cat "$T/usage-err")"
"$DC" --stop-timeout 3 frobnicate >/dev/null 2>"$T/usage-err"
contains "an unknown command after a flag is named too" "unknown command 'frobnicate'" "$(cat "$T/usage-err")"
"$DC" encode >/dev/null 2>"$T/usage-err"
equals "a command missing its argument fails in one line" 1 "$(wc -l <"$T/usage-err")"
check "--help still prints the help" bash -c "'$DC' --help | grep -q 'Usage:'"
check "--help for a command works" bash -c "'$DC' launch --help | grep -q launch"
# containers and recover must not read stdin: the agent gives them none and never closes it.
check "containers answers with stdin left open" timeout 20 bash -c "source '$DC_ROOT/tests/integration/lib.sh'; call containers"
finish
