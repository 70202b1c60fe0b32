#!/usr/bin/env bash
# bin/launch-container --master: one task through the v1 scheduler API,
# against the master stand-in (tests/integration/master_standin.cpp), which
# records every call and sends the status updates this script asks for.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

# --- finished: the first fitting offer, live output, updates acknowledged
master finished --offer o1:0.1:32 --offer o2:2:1024
launch finished --cpus 0.5 --mem 64 --env GREETING=hi --volume /srv:/srv:ro --network bridge -- 'echo "$GREETING"'
eventually 20 recorded finished ACCEPT
record=$(cat "$T/finished/record")
contains "ACCEPT takes the fitting offer o2" 'offer_ids { value: "o2" }' "$(grep ^ACCEPT <<<"$record")"
contains "the LAUNCH runs the task on o2's agent" "task_id { value: \"$(cid finished)\" } slave_id { value: \"agent-o2\" }" "$record"
contains "with a DOCKER ContainerInfo" "container { type: DOCKER" "$record"
contains "of the image and network" "docker { image: \"$TEST_IMAGE\" network: BRIDGE }" "$record"
contains "the volume read-only" 'volumes { container_path: "/srv" host_path: "/srv" mode: RO }' "$record"
contains "the shell command and its environment" 'value: "echo \"$GREETING\"" shell: true' "$record"
contains "cpus asked for" 'name: "cpus" type: SCALAR scalar { value: 0.5 }' "$record"
contains "the other offer is declined with a filter" 'decline { offer_ids { value: "o1" } filters { refuse_seconds:' "$record"
echo "first line" >"$T/finished/sandbox/stdout"
tell finished "update TASK_RUNNING"
check "TASK_RUNNING is printed with the agent and its host" \
  eventually 20 grep -q "TASK_RUNNING on agent agent-o2 (standin-o2)" "$T/finished/err"
check "the task's stdout is tailed while it runs" eventually 20 grep -q "first line" "$T/finished/out"
echo "second line" >>"$T/finished/sandbox/stdout"
echo "a warning" >"$T/finished/sandbox/stderr"
tell finished "update TASK_FINISHED Command exited with status 0"
ended
equals "TASK_FINISHED exits 0" 0 "$RC"
equals "stdout is the task's, whole" "first line
second line" "$(cat "$T/finished/out")"
contains "the task's stderr goes to stderr" "a warning" "$(cat "$T/finished/err")"
contains "the terminal state is printed" "TASK_FINISHED on agent agent-o2 (standin-o2): Command exited with status 0" \
  "$(cat "$T/finished/err")"
contains "then the sandbox's path" "sandbox: standin-o2:$T/finished/sandbox" "$(cat "$T/finished/err")"
equals "calls: subscribe, accept+decline, an ack per update, teardown" \
  "SUBSCRIBE ACCEPT DECLINE ACKNOWLEDGE ACKNOWLEDGE TEARDOWN " "$(calls finished)"

# --- failed with a status, with HTTP basic auth from Mesos's DEFAULT_PRINCIPAL and DEFAULT_SECRET
master failed --offer o1:1:256 --principal ops --secret s3cret
DEFAULT_PRINCIPAL=ops DEFAULT_SECRET=s3cret launch failed -- /bin/sh -c 'exit 3'
eventually 20 recorded failed ACCEPT
contains "the principal is in the FrameworkInfo" 'principal: "ops"' "$(cat "$T/failed/record")"
contains "with a failover timeout" 'failover_timeout: 120' "$(grep ^SUBSCRIBE "$T/failed/record")"
contains "several words run as an argv" 'value: "/bin/sh" shell: false arguments: "/bin/sh" arguments: "-c"' \
  "$(cat "$T/failed/record")"
tell failed "update TASK_RUNNING"
tell failed "update TASK_FAILED Command exited with status 3"
ended
equals "TASK_FAILED exits with the command's status" 3 "$RC"
contains "the failure is printed" "TASK_FAILED on agent agent-o1 (standin-o1): Command exited with status 3" \
  "$(cat "$T/failed/err")"
contains "the sandbox was read from the agent" "sandbox: standin-o1:" "$(cat "$T/failed/err")"
equals "without the principal's credentials: those go to masters only (issue 30)" "" \
  "$(grep AGENT-AUTHORIZATION "$T/failed/record")"

master refused --offer o1:1:256 --principal ops --secret s3cret
echo wrong >"$T/secret"
launch refused --principal ops --secret-file "$T/secret" -- true
ended
equals "a wrong secret (from --secret-file) exits 1" 1 "$RC"
equals "with one line naming the master's answer" \
  "launch-container: the master at 127.0.0.1:$PORT refused SUBSCRIBE: 401 Unauthorized" "$(cat "$T/refused/err")"
launch visible --principal ops --secret wrong -- true
ended
equals "--secret still works, with a warning first" \
  "launch-container: warning: --secret is visible to every user in ps; use --secret-file or DEFAULT_SECRET" \
  "$(head -n 1 "$T/visible/err")"

# --- a master older than the v1 scheduler API (0.20.1 answers 404)
master old --before-v1
launch old -- true
ended
equals "a master before 0.24 exits 1" 1 "$RC"
equals "with one line naming it and why" \
  "launch-container: the master at 127.0.0.1:$PORT has no /api/v1/scheduler (404 Not Found): its Mesos predates the v1 scheduler API (0.24)" \
  "$(cat "$T/old/err")"

# --- killed by Ctrl-C: KILL, wait for TASK_KILLED, then TEARDOWN
master killed --offer o1:1:256
launch killed -- 'exec sleep 600'
eventually 20 recorded killed ACCEPT
tell killed "update TASK_RUNNING"
eventually 20 grep -q TASK_RUNNING "$T/killed/err"
kill -INT "$LAUNCHER"
check "Ctrl-C sends KILL for the task" eventually 20 recorded killed KILL
contains "KILL names the task and its agent" \
  "kill { task_id { value: \"$(cid killed)\" } agent_id { value: \"agent-o1\" } }" "$(grep ^KILL "$T/killed/record")"
ended
equals "exits with how the task ended (SIGTERM)" 143 "$RC"
contains "TASK_KILLED is printed" "TASK_KILLED on agent agent-o1 (standin-o1)" "$(cat "$T/killed/err")"
equals "TASK_KILLED is acknowledged before TEARDOWN" \
  "SUBSCRIBE ACCEPT ACKNOWLEDGE KILL ACKNOWLEDGE TEARDOWN " "$(calls killed)"

# --- no fitting offer within --timeout
master small --offer o1:0.1:32 --offer o2:0.25:4096
launch small --cpus 1 --mem 64 --timeout 1 -- true
ended
equals "no fitting offer exits 1" 1 "$RC"
contains "the message says what was asked and what the largest offer had" \
  "no offer fits cpus 1, mem 64 MiB for role * after 1 s; the largest offer had cpus 0.25, mem 4096 MiB (agent agent-o2, standin-o2)" \
  "$(cat "$T/small/err")"
equals "both offers are declined, nothing launched, then TEARDOWN" "SUBSCRIBE DECLINE TEARDOWN " "$(calls small)"

# --- the master goes away mid-run
master gone --offer o1:1:256
launch gone --failover-timeout 2 -- 'exec sleep 600'
eventually 20 recorded gone ACCEPT
tell gone "update TASK_RUNNING"
eventually 20 recorded gone ACKNOWLEDGE
kill -KILL "${master_pid[gone]}"
wait "${master_pid[gone]}" 2>/dev/null
ended
equals "a lost master exits 1" 1 "$RC"
contains "after looking for it again for --failover-timeout" "launch-container: lost the master at 127.0.0.1:$PORT" \
  "$(tail -n 1 "$T/gone/err")"
contains "the line says how long" "(tried for 2 s)" "$(tail -n 1 "$T/gone/err")"

# --- a health check: in the TaskInfo, each change printed; TASK_KILLING_STATE
master health --offer o1:1:256
launch health --health-cmd '[ -f ready ]' --health-delay 0 --health-interval 2 --health-retries 2 \
  --health-grace 30 -- 'exec sleep 600'
eventually 20 recorded health ACCEPT
contains "the task carries the health check" \
  'health_check { delay_seconds: 0 interval_seconds: 2 timeout_seconds: 20 consecutive_failures: 2 grace_period_seconds: 30 command { value: "[ -f ready ]" } }' \
  "$(grep ^ACCEPT "$T/health/record")"
contains "the framework can take TASK_KILLING" "capabilities { type: TASK_KILLING_STATE }" \
  "$(grep ^SUBSCRIBE "$T/health/record")"
tell health "update TASK_RUNNING"
tell health "update TASK_RUNNING healthy=true"
check "a healthy task is printed so" eventually 20 grep -qx "launch-container: TASK_RUNNING on agent agent-o1 (standin-o1), healthy" "$T/health/err"
tell health "update TASK_RUNNING healthy=false"
check "and an unhealthy one" eventually 20 grep -qx "launch-container: TASK_RUNNING on agent agent-o1 (standin-o1), unhealthy" "$T/health/err"
tell health "update TASK_KILLING"
tell health "update TASK_KILLED healthy=false Command exited with status 143; health check \`[ -f ready ]\` failed 2 times in a row, the last: exit status 1"
ended
equals "killed by its health check: exits with the command's status" 143 "$RC"
check "TASK_KILLING is printed" grep -q "TASK_KILLING on agent agent-o1" "$T/health/err"
contains "the end is printed unhealthy, with the check's failure" \
  "TASK_KILLED on agent agent-o1 (standin-o1), unhealthy: Command exited with status 143; health check \`[ -f ready ]\` failed 2 times in a row" \
  "$(cat "$T/health/err")"

# --- bad usage
"$LC" --master 127.0.0.1:1 --image "$TEST_IMAGE" --cpus lots true >"$T/usage.out" 2>"$T/usage.err"
equals "a bad option exits 2" 2 "$?"
equals "with one line" 1 "$(wc -l <"$T/usage.err")"
"$LC" --master 127.0.0.1:1 --help >"$T/help.out"
contains "--help prints the cluster mode's usage" "--principal" "$(cat "$T/help.out")"
contains "with the seed form" "launch-container --master MASTER [options] IMAGE COMMAND [ARG...]" "$(cat "$T/help.out")"
contains "and zk://" "zk://" "$(cat "$T/help.out")"
finish
