#!/usr/bin/env bash
# Override mode's health checks (issue 36). Mesos's command executor runs on
# the host with --override and starts the task's check as
# LAUNCHER_DIR/mesos-health-check, which runs the check's command as a host
# process. Here a stand-in executor and a stand-in mesos-health-check copy
# what the real ones (0.20.1 and 0.28.2, src/launcher/executor.cpp and
# src/health-check/main.cpp) do. A check's command must run in the task's
# container, never on the host: a check that writes a marker leaves none on
# the host and the container has it, with hostile command strings and
# environments too; a check the program cannot confine is not run at all.
source "$(dirname "$0")/lib.sh"

export CONTAINERIZER_REMOVE_DELAY=600
unset MESOS_AGENT_ENDPOINT MESOS_LAUNCHER_DIR
export MESOS_LIBEXEC_DIRECTORY=$T/libexec
mkdir -p "$MESOS_LIBEXEC_DIRECTORY"
# Markers on the host's /tmp, unique to this run; removed at exit.
HOST_MARK=/tmp/dc-override-health-$RUN
on_exit "rm -rf $HOST_MARK*"

# The stand-in for the agent's mesos-executor, --override only. It copies
# from executor.cpp: main() takes the health checker's directory from
# MESOS_LAUNCHER_DIR, else realpath(dirname(argv[0])); launchTask() forks
# the override's argv, then launchHealthCheck() runs
# DIR/mesos-health-check with argv[0] "mesos-health-check", --executor,
# --health_check_json (JSON::protobuf of TaskInfo.health_check) and
# --task_id, stdin /dev/null, its own stdout and stderr. Not copies: the
# JSON comes from STANDIN_HEALTH_CHECK_JSON (the real one reads the TaskInfo
# the agent sends), and the checker is waited for and its exit status
# written to `health-results` (the real executor does not watch it).
cat >"$MESOS_LIBEXEC_DIRECTORY/mesos-executor" <<'EOF'
#!/bin/bash
while [ $# -gt 0 ]; do
  case $1 in
    --) shift; break ;;
    --override) ;;
    *) echo "stand-in mesos-executor: unexpected word '$1'" >&2; exit 2 ;;
  esac
  shift
done
dir=${MESOS_LAUNCHER_DIR:-$(realpath "$(dirname "$0")")}
"$@" &
task=$!
if [ -n "${STANDIN_HEALTH_CHECK_JSON:-}" ]; then
  echo "Launching health check process: $dir/mesos-health-check"
  (exec -a mesos-health-check "$dir/mesos-health-check" --executor=executor@127.0.0.1:1 \
    --health_check_json="$STANDIN_HEALTH_CHECK_JSON" --task_id=task </dev/null) &
  wait $!
  echo "health checker exited $?" >>health-results
fi
wait "$task"
echo "Command exited with status $? (pid: $task)"
exit 0
EOF
chmod 755 "$MESOS_LIBEXEC_DIRECTORY/mesos-executor"

# The stand-in for the agent's mesos-health-check, copying main.cpp: the
# flags --health_check_json, --executor, --task_id (all required; an HTTP
# check is not supported); a shell command runs as `sh -c VALUE`, else
# VALUE is executed with argv ARGUMENTS; its environment is the checker's
# own with the command's variables over it (0.28) or those variables alone
# (0.20, STANDIN_MESOS=0.20); stdin /dev/null, stdout and stderr to the
# checker's stderr. Not copies: one check only, at once, and its result
# appended to `health-results` in the working directory (the real one sends
# TaskHealthStatus to the executor); the argv it got goes to
# `health-checker-argv`, one JSON array.
cat >"$MESOS_LIBEXEC_DIRECTORY/mesos-health-check" <<'EOF'
#!/usr/bin/env python3
import json, os, subprocess, sys
with open("health-checker-argv", "w") as f:
    json.dump(sys.argv, f)
flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
for name in ("health_check_json", "executor", "task_id"):
    if name not in flags:
        sys.exit("Missing required option --" + name)
check = json.loads(flags["health_check_json"])
if "http" in check:
    sys.exit("HTTP health check is not supported")
command = check["command"]
env = {} if os.environ.get("STANDIN_MESOS") == "0.20" else dict(os.environ)
for v in command.get("environment", {}).get("variables", []):
    env[v["name"]] = v["value"]
if command.get("shell", True):
    run = subprocess.run(["sh", "-c", command["value"]], env=env, stdin=subprocess.DEVNULL, stdout=2)
else:
    argv = command.get("arguments", [])
    run = subprocess.run(argv, executable=command["value"], env=env, stdin=subprocess.DEVNULL, stdout=2)
with open("health-results", "a") as f:
    f.write("healthy\n" if run.returncode == 0 else "unhealthy %d\n" % run.returncode)
EOF
chmod 755 "$MESOS_LIBEXEC_DIRECTORY/mesos-health-check"

# launch_checked NAME JSON [TASK_COMMAND]: a command task in override mode
# (by default one that runs until the test calls `release NAME`) whose
# health check the stand-in executor gets as JSON.
launch_checked() {
  local file
  file=$(command_task_frame "$1" \
    "command { value: \"${3:-while [ ! -e release ]; do sleep 0.1; done}\" shell: true }
     container { type: DOCKER docker { image: \"$TEST_IMAGE\" } }" \
    "resources { name: \"cpus\" type: SCALAR scalar { value: 0.2 } }
     resources { name: \"mem\" type: SCALAR scalar { value: 64 } }
     command { value: \"$MESOS_LIBEXEC_DIRECTORY/mesos-executor\" shell: false arguments: \"mesos-executor\" }")
  STANDIN_HEALTH_CHECK_JSON=$2 CONTAINERIZER_TASK_MODE=override call launch "$file" && return
  not_ok "$1: launch" "$(cat "$T/err")"
  return 1
}

# The JSON Mesos's executor passes: JSON::protobuf of the HealthCheck, with
# the fields' defaults (stout writes them: has_default_value()).
# check_json COMMAND_JSON
check_json() {
  python3 -c 'import json, sys; print(json.dumps({"command": json.loads(sys.argv[1]), "consecutive_failures": 3,
    "delay_seconds": 15.0, "grace_period_seconds": 10.0, "interval_seconds": 10.0, "timeout_seconds": 20.0}))' "$1"
}
# shell_check VALUE [ENVIRONMENT_VARIABLES_JSON]
shell_check() {
  check_json "$(python3 -c 'import json, sys; c = {"shell": True, "value": sys.argv[1]}
if len(sys.argv) > 2: c["environment"] = {"variables": json.loads(sys.argv[2])}
print(json.dumps(c))' "$@")"
}

release() { touch "$(sandbox_of "$1")/release"; }
results_of() { cat "$(sandbox_of "$1")/health-results" 2>/dev/null; }
checked() { grep -q "health checker exited" "$(sandbox_of "$1")/health-results" 2>/dev/null; }
# in_container NAME PATH: the file PATH in NAME's container.
in_container() { docker exec "$(name "$1")" cat "$2" 2>&1; }
finished() { grep -q "^Command exited with status" "$(sandbox_of "$1")/stdout" 2>/dev/null; }

# ran_in_container NAME MARK EXPECTED: the check ran, healthy; the host has
# no MARK, the container's MARK holds EXPECTED.
ran_in_container() {
  check "$1: the check ran" eventually 60 checked "$1"
  contains "$1: healthy" healthy "$(results_of "$1")"
  check "$1: the host has no $2" test ! -e "$2"
  equals "$1: the container's $2 holds what the check wrote" "$3" "$(in_container "$1" "$2")"
  release "$1"
}

# --- issue 36's check: touch a marker, write `id` into it ---------------------------------
n=issue
launch_checked $n "$(shell_check "touch $HOST_MARK-1; id > $HOST_MARK-1")" && ok "$n: launch"
ran_in_container $n "$HOST_MARK-1" "$(docker exec "$(name $n)" id)"
check "$n: the task runs to its end" eventually 60 finished $n
equals "$n: the agent's checker got the executor's other flags as they were" \
  '["--executor=executor@127.0.0.1:1", "--task_id=task"]' \
  "$(python3 -c 'import json, sys; a = json.load(open(sys.argv[1])); print(json.dumps(a[1:2] + a[3:]))' \
    "$(sandbox_of $n)/health-checker-argv")"

# --- hostile command strings: quotes, $(), backticks, newlines, backslashes ---------------------
n=hostile
value="printf '%s\n' \"it's\" > $HOST_MARK-2; echo \$(echo sub) \`echo tick\` >> $HOST_MARK-2
printf '%s\n' 'back\\slash' \"dq\\\"x\" >> $HOST_MARK-2 # \$(touch $HOST_MARK-2-host)"
launch_checked $n "$(shell_check "$value")" && ok "$n: launch"
ran_in_container $n "$HOST_MARK-2" "it's
sub tick
back\\slash
dq\"x"
check "$n: nothing of it ran on the host" test ! -e "$HOST_MARK-2-host"

# --- the check's environment: hostile values reach the container verbatim, not the host ---------
n=environment
hostile_value="\$(touch $HOST_MARK-3-host)'\"\`x\` [a,b] {c}
second line\\"
launch_checked $n "$(shell_check "printf %s \"\$V\" > $HOST_MARK-3" \
  "$(python3 -c 'import json, sys; print(json.dumps([{"name": "V", "value": sys.argv[1]}, {"name": "LD_PRELOAD", "value": "/nonexistent.so"}]))' "$hostile_value")")" &&
  ok "$n: launch"
ran_in_container $n "$HOST_MARK-3" "$hostile_value"
check "$n: nothing of it ran on the host" test ! -e "$HOST_MARK-3-host"

# --- the argv form (shell false): VALUE executed with ARGUMENTS, in the container ----------------
n=argv
launch_checked $n "$(check_json "$(python3 -c 'import json, sys
print(json.dumps({"shell": False, "value": "/bin/sh", "arguments": ["sh", "-c", "echo \"$0|$1\" > " + sys.argv[1], "x y", "z"]}))' \
  "$HOST_MARK-4")")" && ok "$n: launch"
ran_in_container $n "$HOST_MARK-4" "x y|z"

# --- 0.20's checker gives the command only the check's own environment -------------------------
n=mesos-0.20
STANDIN_MESOS=0.20 launch_checked $n "$(shell_check "id -u > $HOST_MARK-5")" && ok "$n: launch"
ran_in_container $n "$HOST_MARK-5" 0

# --- a failing check fails in the container ----------------------------------------------------
n=failing
launch_checked $n "$(shell_check "[ -e /.dockerenv ] && exit 3; exit 4")" && ok "$n: launch"
check "$n: the check ran" eventually 60 checked $n
contains "$n: unhealthy with the check's status" "unhealthy 3" "$(results_of $n)"
release $n

# --- checks that cannot be confined are not run; one line in the sandbox's stderr --------------
# not_run NAME JSON WHY: the real checker never starts; the sandbox's stderr says WHY.
not_run() {
  launch_checked "$1" "$2" && ok "$1: launch"
  check "$1: the checker ended" eventually 60 checked "$1"
  check "$1: the agent's checker did not run" test ! -e "$(sandbox_of "$1")/health-checker-argv"
  equals "$1: the check did not run" "" "$(grep healthy "$(sandbox_of "$1")/health-results")"
  check "$1: the host has no marker" test ! -e "$HOST_MARK-6"
  equals "$1: one line in the sandbox's stderr" 1 "$(grep -c "health check not run" "$(sandbox_of "$1")/stderr")"
  contains "$1: saying why" "$3" "$(grep "health check not run" "$(sandbox_of "$1")/stderr")"
  release "$1"
}
not_run unknown-field "$(check_json "{\"value\": \"touch $HOST_MARK-6\", \"container\": {\"image\": \"x\"}}")" \
  "unknown field 'container'"
not_run http "{\"http\": {\"port\": 80}, \"command\": {\"value\": \"touch $HOST_MARK-6\"}}" "unknown field 'http'"
not_run not-json "{\"command\": {\"value\": \"touch $HOST_MARK-6\"}" "not JSON"
mv "$MESOS_LIBEXEC_DIRECTORY/mesos-health-check" "$MESOS_LIBEXEC_DIRECTORY/moved"
not_run no-checker "$(shell_check "touch $HOST_MARK-6")" "$MESOS_LIBEXEC_DIRECTORY/mesos-health-check"
mv "$MESOS_LIBEXEC_DIRECTORY/moved" "$MESOS_LIBEXEC_DIRECTORY/mesos-health-check"

finish
