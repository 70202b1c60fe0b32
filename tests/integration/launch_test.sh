#!/usr/bin/env bash
# launch (issue 3): how a container's end is reported, its logs in the
# sandbox, its environment and docker settings, the real Mesos 1.0.1 agent
# frame, image choices, users, and every refusal leaving nothing behind.
source "$(dirname "$0")/lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE MESOS_LIBEXEC_DIRECTORY
# A local tag in the legacy docker://host:port/name form (no registry behind it).
LEGACY_TAG=127.0.0.1:1/dc-legacy-$(echo "$RUN" | tr 'A-Z' 'a-z'):1
trap 'docker rmi "$LEGACY_TAG" >/dev/null 2>&1; cleanup' EXIT



# ends_with DESCRIPTION NAME STATUS MESSAGE: wait reports exactly this.
ends_with() {
  equals "$1" "killed: false
message: \"$4\"
status: $3" "$(termination_of "$(cid "$2")")"
}

# has_line DESCRIPTION LINE FILE / lacks_line DESCRIPTION PATTERN FILE
has_line() { check "$1" grep -qxF -- "$2" "$3"; }
lacks_line() { if grep -q -- "$2" "$3"; then not_ok "$1" "found: $(grep -- "$2" "$3")"; else ok "$1"; fi; }

inspect() { docker inspect --type container -f "$2" "$1"; }
is_running() { [ "$(inspect "$1" '{{.State.Running}}' 2>/dev/null)" = true ]; }
destroy() { call destroy "$(frame_for Destroy "$(cid "$1")")"; }

# --- how a container's end is reported -------------------------------------
start zero 'exit 0' && ends_with "exit 0 is status 0" zero 0 "Container exited with status 0"
start three 'exit 3' && ends_with "exit 3 is status 768 (waitpid form)" three 768 "Container exited with status 3"
start signal 'kill -TERM $$' &&
  ends_with "death by a signal is the signal number" signal 15 "Container terminated by signal 15 (Terminated)"

# --- launch returns while the task runs; docker's settings -------------------
# The task ends only when destroyed: a launch that returns at all did not
# wait for it (no clock: a sanitized build on a busy machine took 13 s).
start running 'sleep 3600'
name=$(name_of "$(cid running)")
check "the container still runs after launch returned" is_running "$name"
equals "cpu shares are cpus x 1024" 512 "$(inspect "$name" '{{.HostConfig.CpuShares}}')"
equals "memory is mem MiB" 67108864 "$(inspect "$name" '{{.HostConfig.Memory}}')"
equals "memory-swap equals memory" 67108864 "$(inspect "$name" '{{.HostConfig.MemorySwap}}')"
equals "network is host by default" host "$(inspect "$name" '{{.HostConfig.NetworkMode}}')"
label() { inspect "$name" "{{index .Config.Labels \"docker-containerizer.$1\"}}"; }
equals "label: container id" "$(cid running)" "$(label container-id)"
equals "label: agent work directory" "$MESOS_WORK_DIRECTORY" "$(label work-directory)"
equals "label: framework id" "framework-$RUN" "$(label framework-id)"
equals "label: executor id" "executor-$(cid running)" "$(label executor-id)"
check "destroy of the running container" destroy running

# --- logs ---------------------------------------------------------------------
logs=$(sandbox_of logs)
start logs 'echo to-stdout; echo to-stderr >&2; while ! [ -e go ]; do sleep 0.1; done; echo after-go'
check "stdout reaches SANDBOX/stdout while the container runs" eventually 30 grep -qx to-stdout "$logs/stdout"
check "stderr reaches SANDBOX/stderr while the container runs" eventually 30 grep -qx to-stderr "$logs/stderr"
check "the container is still running then" is_running "$(name_of "$(cid logs)")"
call_async killed-wait wait "$(frame_for Wait "$(cid logs)")"
until_blocked killed-wait
kill -KILL "$(cat "$T/killed-wait.pid")"
await_call killed-wait 5
touch "$logs/go"
ends_with "wait called again after a killed wait reports the end" logs 0 "Container exited with status 0"
equals "stdout holds each line once" "to-stdout
after-go" "$(cat "$logs/stdout")"
equals "stderr holds each line once" "to-stderr" "$(cat "$logs/stderr")"

# --- environment and working directory ---------------------------------------
frame=$(exec_frame env "command {
    value: \"env; pwd\"
    environment { variables { name: \"FROM_COMMAND\" value: \"a b=c\" } }
  }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" } }")
# The agent's own environment (HOME, its flags as MESOS_*, its LIBPROCESS_PORT)
# reaches the program beside the executor's variables.
MESOS_FRAMEWORK_ID=fw-from-agent MESOS_EXECUTOR_ID=ex-from-agent MESOS_CHECKPOINT=0 \
  MESOS_MASTER=made-up:5050 HOME=/home/agent LIBPROCESS_PORT=5051 MESOS_DIRECTORY=$(sandbox_of env) \
  call launch "$frame" || not_ok "launch with an agent's environment" "$(cat "$T/err")"
ends_with "the environment container ends" env 0 "Container exited with status 0"
out=$(sandbox_of env)/stdout
has_line "executor variable forwarded: MESOS_FRAMEWORK_ID" MESOS_FRAMEWORK_ID=fw-from-agent "$out"
has_line "executor variable forwarded: MESOS_EXECUTOR_ID" MESOS_EXECUTOR_ID=ex-from-agent "$out"
has_line "executor variable forwarded: MESOS_CHECKPOINT" MESOS_CHECKPOINT=0 "$out"
lacks_line "the agent's MESOS_MASTER is not forwarded" '^MESOS_MASTER=' "$out"
lacks_line "the agent's HOME is not forwarded" '^HOME=/home/agent$' "$out"
has_line "LIBPROCESS_PORT is 0, not the agent's port" LIBPROCESS_PORT=0 "$out"
has_line "MESOS_SANDBOX is the mapped sandbox" MESOS_SANDBOX=/mnt/mesos/sandbox "$out"
has_line "MESOS_DIRECTORY is the mapped sandbox" MESOS_DIRECTORY=/mnt/mesos/sandbox "$out"
has_line "MESOS_CONTAINER_NAME is the container's name" "MESOS_CONTAINER_NAME=$(name_of "$(cid env)")" "$out"
has_line "CommandInfo.environment reaches the container" "FROM_COMMAND=a b=c" "$out"
equals "the working directory is the mapped sandbox" /mnt/mesos/sandbox "$(tail -n 1 "$out")"

# --- the real Mesos 1.0.1 agent frame, executor in the container -------------
libexec=$T/libexec
mkdir -p "$libexec"
cat >"$libexec/mesos-executor" <<'EOF'
#!/bin/sh
echo "stand-in executor: $*"
echo "GREETING=$GREETING"
exit 3
EOF
chmod 755 "$libexec/mesos-executor"
agent=$(new_sandbox agent)
"$DC" decode Launch <"$DC_ROOT/tests/fixtures/launch-mesos-1.0.1-command-task.bin" |
  sed -e "s|^directory: .*|directory: \"$agent\"|" \
    -e "s|739d0e80-66a3-4cf4-98ea-d0fad73c2a29|$(cid agent)|" \
    -e "s|library/busybox:1.36|$TEST_IMAGE|" \
    -e "s|/usr/libexec/mesos|$libexec|g" | encode Launch >"$T/agent.bin"
if CONTAINERIZER_TASK_MODE=executor MESOS_LIBEXEC_DIRECTORY=$libexec call launch "$T/agent.bin"; then
  ok "the 1.0.1 agent's frame launches"
  name="mesos-dce23285-dc9c-40e6-b249-56f6c21562b5-S3.$(cid agent)"
  equals "1.0.1 frame: named mesos-<slave>.<container>" "$name" "$(inspect "$name" '{{.Name}}' | tr -d /)"
  equals "1.0.1 frame: cpu shares from the executor's 0.6 cpus" 614 "$(inspect "$name" '{{.HostConfig.CpuShares}}')"
  equals "1.0.1 frame: memory from the executor's 160 MiB" 167772160 "$(inspect "$name" '{{.HostConfig.Memory}}')"
  equals "1.0.1 frame: libexec mounted read-only at the same path" false \
    "$(inspect "$name" "{{range .Mounts}}{{if eq .Destination \"$libexec\"}}{{.RW}}{{end}}{{end}}")"
  ends_with "1.0.1 frame: the executor's exit 3 is status 768" agent 768 "Container exited with status 3"
  has_line "1.0.1 frame: the executor ran in the container with its arguments" \
    "stand-in executor: --launcher_dir=$libexec" "$agent/stdout"
  has_line "1.0.1 frame: the task's environment reached it" "GREETING=hi there" "$agent/stdout"
else
  not_ok "the 1.0.1 agent's frame launches" "$(cat "$T/err")"
fi

# --- images: legacy forms and the agent's default -----------------------------
# runs_image NAME DESCRIPTION FRAME: the frame's container runs and prints "ran".
runs_image() {
  if call launch "$3"; then
    ends_with "$2" "$1" 0 "Container exited with status 0"
    has_line "$2: its command ran" ran "$(sandbox_of "$1")/stdout"
  else
    not_ok "$2" "$(cat "$T/err")"
  fi
}
runs_image legacy "legacy image docker:///name:tag" \
  "$(exec_frame legacy "command { value: \"echo ran\" container { image: \"docker:///$TEST_IMAGE\" } }")"
docker tag "$TEST_IMAGE" "$LEGACY_TAG"
runs_image legacy-host "legacy image docker://host:port/name:tag" \
  "$(exec_frame legacy-host "command { value: \"echo ran\" container { image: \"docker://$LEGACY_TAG\" } }")"
MESOS_DEFAULT_CONTAINER_IMAGE=$TEST_IMAGE runs_image default "MESOS_DEFAULT_CONTAINER_IMAGE when the Launch names none" \
  "$(exec_frame default 'command { value: "echo ran" }')"

# --- user --------------------------------------------------------------------
start user 'id -u' '' 'user: "nobody"' &&
  ends_with "a container of user nobody runs" user 0 "Container exited with status 0"
equals "Launch.user runs as that user's uid from the host" "$(id -u nobody)" "$(cat "$(sandbox_of user)/stdout")"

# --- refusals leave nothing behind ---------------------------------------------
image="container { type: DOCKER docker { image: \"$TEST_IMAGE\" } }"
refused "refused: no image anywhere" "no image" "$(cid no-image)" \
  "$(exec_frame no-image 'command { value: "true" }')"
refused "refused: an unknown user" "unknown user 'no-such-user-$RUN'" "$(cid no-user)" \
  "$(exec_frame no-user "command { value: \"true\" } $image" "user: \"no-such-user-$RUN\"")"
refused "refused: a missing sandbox directory" "$T/missing/stdout" "$(cid missing-dir)" \
  "$(launch_frame "$(cid missing-dir)" "$T/missing" true)"
refused "refused: a relative sandbox directory" "absolute directory" "$(cid relative-dir)" \
  "$(launch_frame "$(cid relative-dir)" sandboxes/relative true)"
refused "refused: an invalid container id" "invalid container id" "bad:id" \
  "$(launch_frame "bad:id" "$(new_sandbox bad-id)" true)"
refused "refused: legacy CommandInfo.container.options" "options" "$(cid options)" \
  "$(exec_frame options "command { value: \"true\" container { image: \"docker:///$TEST_IMAGE\" options: \"--privileged\" } }")"
refused "refused: a hostname with host networking" "hostname" "$(cid hostname)" \
  "$(exec_frame hostname "command { value: \"true\" }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" network: HOST } hostname: \"h\" }")"
# Refused at all is the check: a pull that hung would hold the test to
# CTest's timeout.
refused "refused: an image docker cannot pull (docker's error)" "127.0.0.1:1" "$(cid no-pull)" \
  "$(exec_frame no-pull 'command { value: "true" } container { type: DOCKER docker { image: "127.0.0.1:1/nope:1" } }')"
touch "$T/a-file"
CONTAINERIZER_HOST_VOLUMES=$(realpath "$T") refused "refused: a container docker creates but cannot start" "docker run failed" "$(cid no-start)" \
  "$(exec_frame no-start "command { value: \"true\" }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" }
    volumes { host_path: \"$T/a-file\" container_path: \"/bin\" mode: RO } }")"

# The same id twice: the second is refused, the first keeps running.
start twice 'sleep 30'
if call launch "$T/launch.$(cid twice).bin"; then not_ok "a second launch of one id is refused" "exit code 0"
else
  ok "a second launch of one id is refused"
  contains "it names the container and says why" "container $(cid twice): container $(cid twice) was already launched" "$(cat "$T/err")"
fi
check "the first container of that id still runs" is_running "$(name_of "$(cid twice)")"
check "its record is still there" test -f "$STATE/containers/$(cid twice)/record.json"
check "destroy of that container" destroy twice
finish
