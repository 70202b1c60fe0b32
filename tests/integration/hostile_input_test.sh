#!/usr/bin/env bash
# Hostile input from a framework the operator does not control: each is
# refused with one clear line, non-zero, nothing on stdout, and nothing
# left behind (no container, no record) - or, where the value is legitimate
# data (a newline in a value, 20,000 variables), passed safely.
source "$(dirname "$0")/lib.sh"

# no_trace: nothing of this test's agent exists: no container, no record.
no_trace() {
  [ -z "$(docker ps -aq --filter "label=docker-containerizer.work-directory=$MESOS_WORK_DIRECTORY")" ] &&
    [ -z "$(ls -A "$STATE/containers" 2>/dev/null)" ]
}

# refused DESCRIPTION EXPECTED_TEXT COMMAND FRAME_FILE
refused() {
  if call "$3" "$4"; then
    not_ok "$1" "exit code 0"
    return
  fi
  if [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -s "$T/out" ] && grep -q -- "$2" "$T/err" && no_trace; then
    ok "$1"
  else
    not_ok "$1" "stderr: $(cat "$T/err")" "stdout bytes: $(wc -c <"$T/out")" "left: $(ls "$STATE/containers" 2>/dev/null)"
  fi
}

# A protobuf text-format string literal of any bytes (octal escapes).
quote() { printf '"%s"' "$(printf '%s' "$1" | od -An -v -to1 | tr -d '\n' | sed 's/ /\\/g')"; }

# id_frame MESSAGE ID: a frame of MESSAGE for container id ID (any bytes).
id_frame() {
  local file=$T/$1.$RANDOM.bin
  echo "container_id { value: $(quote "$2") }" | encode "$1" >"$file"
  echo "$file"
}

for id in "a/b" ".." "../../etc" "a b" 'a;touch /tmp/x' '$(id)' '`id`' "a|b" "-rf" "--privileged" \
    "$(printf 'caf\xc3\xa9')" "" "$(printf 'a%.0s' $(seq 129))"; do
  label=$(printf '%q' "$id" | cut -c1-40)
  for command in launch wait destroy usage update; do
    message=$(tr a-z A-Z <<<"${command:0:1}")${command:1}
    frame=$(id_frame "$message" "$id")
    if [ "$command" = launch ]; then
      frame=$T/launch.bad.bin
      encode Launch >"$frame" <<TEXT
container_id { value: $(quote "$id") }
directory: "$(new_sandbox bad-id)"
executor_info {
  executor_id { value: "e" }
  command { value: "exit 0" }
  container { type: DOCKER docker { image: "$TEST_IMAGE" } }
}
TEXT
    fi
    expected="invalid container id"
    [ -z "$id" ] && expected="invalid container id ''"
    refused "$command refuses the container id $label" "$expected" "$command" "$frame"
  done
done

# bad_launch NAME COMMAND_EXTRA [CONTAINER_EXTRA] [SANDBOX] [IMAGE]: a Launch of
# `exit 0` in the test image (or IMAGE) with extra fields; prints its file.
bad_launch() {
  local file=$T/launch.$1.bin
  encode Launch >"$file" <<TEXT
container_id { value: "$(cid "$1")" }
directory: "${4:-$(new_sandbox "$1")}"
executor_info {
  executor_id { value: "e-$1" }
  command { value: "exit 0" $2 }
  container { type: DOCKER docker { image: $(quote "${5:-$TEST_IMAGE}") } ${3:-} }
}
TEXT
  echo "$file"
}

refused "an environment name with '=' is refused" "invalid environment variable name 'A=B'" launch \
  "$(bad_launch env-eq 'environment { variables { name: "A=B" value: "x" } }')"
refused "an environment name with NUL is refused" "invalid environment variable name" launch \
  "$(bad_launch env-nul 'environment { variables { name: "A\000B" value: "x" } }')"
refused "an empty environment name is refused" "invalid environment variable name ''" launch \
  "$(bad_launch env-empty 'environment { variables { name: "" value: "x" } }')"
refused "an environment value with NUL is refused" "NUL byte" launch \
  "$(bad_launch env-value-nul 'environment { variables { name: "A" value: "x\000y" } }')"
refused "an image that looks like an option is refused" "invalid image name '--privileged'" launch \
  "$(bad_launch image-option "" "" "" "--privileged")"
refused "an image with a space is refused" "invalid image name" launch \
  "$(bad_launch image-space "" "" "" "busybox latest")"
refused "a relative volume host path climbing out of the sandbox is refused" "would leave the sandbox" launch \
  "$(bad_launch vol-host "" 'volumes { host_path: "../../etc" container_path: "/x" mode: RW }')"
refused "a relative volume container path climbing out is refused" "would leave the sandbox" launch \
  "$(bad_launch vol-target "" 'volumes { host_path: "/tmp" container_path: "data/../../../etc" mode: RW }')"
refused "a sandbox path with '..' is refused" "has a '..' component" launch \
  "$(bad_launch sandbox-dots "" "" "$T/sandboxes/../../etc")"
encode Launch >"$T/cmd-nul.bin" <<TEXT
container_id { value: "$(cid cmd-nul)" }
directory: "$(new_sandbox cmd-nul)"
executor_info {
  executor_id { value: "e" }
  command { value: "echo a\000; touch /tmp/x" }
  container { type: DOCKER docker { image: "$TEST_IMAGE" } }
}
TEXT
refused "a command with NUL is refused" "NUL byte" launch "$T/cmd-nul.bin"

# --- wire-level lies --------------------------------------------------------
# container_id (a message) sent as a varint.
printf '\x02\x00\x00\x00\x08\x01' >"$T/wire-type"
refused "a wrong wire type is refused" "cannot parse\|lacks required fields" wait "$T/wire-type"
# Field 1 (container_id) holding field 1 (value) "x", then unknown field 15.
printf '\x07\x00\x00\x00\x0a\x03\x0a\x01x\x78\x01' >"$T/unknown-field"
refused "unknown fields are skipped: the frame parses (and the id is unknown)" "unknown container" wait "$T/unknown-field"
printf '\xff\xff\xff\xff' >"$T/huge"
refused "a length prefix of 4 GiB is refused before reading" "exceeds the limit" launch "$T/huge"

# --- data that must pass intact -----------------------------------------------
nl=nl-$RUN
frame=$T/launch.nl.bin
encode Launch >"$frame" <<TEXT
container_id { value: "$nl" }
directory: "$(new_sandbox "$nl")"
executor_info {
  executor_id { value: "e-nl" }
  command {
    value: "[ -z \"\${INJECTED+x}\" ] && [ \"\$V\" = \"\$(printf 'line1\\\\nINJECTED=1')\" ] && echo intact"
    environment { variables { name: "V" value: "line1\nINJECTED=1" } }
  }
  container { type: DOCKER docker { image: "$TEST_IMAGE" } }
}
TEXT
check "a value with a newline is accepted" call launch "$frame"
contains "and reaches the container as one variable" "status: 0" "$(termination_of "$nl")"
equals "with its newline, never split into two" intact "$(cat "$T/sandboxes/$nl/stdout")"

many=many-$RUN
{
  echo "container_id { value: \"$many\" } directory: \"$(new_sandbox "$many")\""
  echo 'executor_info { executor_id { value: "e-many" } command { value: "env | grep -c ^V" environment {'
  seq 1 20000 | sed 's/.*/variables { name: "V&" value: "&" }/'
  echo "} } container { type: DOCKER docker { image: \"$TEST_IMAGE\" } } }"
} | encode Launch >"$T/many.bin"
if call launch "$T/many.bin"; then
  contains "20,000 environment variables: the container runs" "status: 0" "$(termination_of "$many")"
  equals "and sees all of them" 20000 "$(cat "$T/sandboxes/$many/stdout")"
else
  equals "20,000 environment variables fail in one line" 1 "$(wc -l <"$T/err")"
fi
finish
