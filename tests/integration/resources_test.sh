#!/usr/bin/env bash
# Resources (issue 4): usage read from the container's cgroups, update through
# `docker update` (so `docker inspect` tells the truth), the CFS quota switch,
# OOM kills reported as such, and clear refusals for containers that are
# unknown or have ended.
source "$(dirname "$0")/lib.sh"

export CONTAINERIZER_REMOVE_DELAY=600
MiB=1048576

# launch_with ID COMMAND CPUS MEM [NETWORK]: launches the test image running
# COMMAND with the given allotment (and DockerInfo network, default host).
launch_with() {
  local frame=$T/launch.$1.bin
  encode Launch >"$frame" <<TEXT
container_id { value: "$1" }
directory: "$(new_sandbox "$1")"
executor_info {
  executor_id { value: "executor-$1" }
  framework_id { value: "framework-$RUN" }
  command { value: "$2" }
  container { type: DOCKER docker { image: "$TEST_IMAGE" ${5:+network: $5} } }
  resources { name: "cpus" type: SCALAR scalar { value: $3 } }
  resources { name: "mem" type: SCALAR scalar { value: $4 } }
}
TEXT
  call launch "$frame"
}

update_to() { call update "$(update_frame "$@")"; }
with_cfs() { CONTAINERIZER_CGROUPS_ENABLE_CFS=true "$@"; }
ports() { echo "name: \"ports\" type: RANGES ranges { range { begin: $1 end: $2 } }"; }

# usage_of ID: the decoded ResourceStatistics (empty when usage failed).
usage_of() { call usage "$(frame_for Usage "$1")" && "$DC" decode ResourceStatistics <"$T/out"; }
# field ID NAME: one field of a fresh usage, e.g. field c1 cpus_limit.
field() { usage_of "$1" | sed -n "s/^$2: //p"; }
inspect() { docker inspect -f "$2" "$(name_of "$1")"; }
# more_than A B: A > B as decimal numbers.
more_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
# field_above ID NAME VALUE: a fresh usage shows NAME above VALUE.
field_above() { more_than "$(field "$1" "$2")" "$3"; }

# ended_container WHAT ID: usage of ID is refused; update succeeds, changing
# nothing (a short task often ends before the agent's first update).
ended_container() {
  call_refused "usage of $1 fails clearly" usage "$(frame_for Usage "$2")" "container $2"
  update_ignored "update of $1 succeeds and changes nothing" "$2"
}

busy="while true; do :; done"

# --- usage: cpu time, limits as launch set them ----------------------------
spin=rs-spin-$RUN
check "launch a busy loop with cpus 0.3, mem 64" launch_with "$spin" "$busy" 0.3 64
first=$(field "$spin" cpus_user_time_secs)
check "usage reports cpu time" test -n "$first"
check "cpu time rises between two usage calls" eventually 10 field_above "$spin" cpus_user_time_secs "$first"
usage=$(usage_of "$spin")
contains "cpus_limit is the allotted 0.3 exactly, not shares/1024" $'\ncpus_limit: 0.3\n' "$usage"$'\n'
contains "mem_limit_bytes is what launch set" "mem_limit_bytes: $((64 * MiB))" "$usage"
contains "mem_soft_limit_bytes too" "mem_soft_limit_bytes: $((64 * MiB))" "$usage"
contains "processes are counted" "processes: " "$usage"
equals "no CFS quota by default" 0 "$(inspect "$spin" '{{.HostConfig.CpuQuota}}')"
equals "cpu shares are cpus x 1024" 307 "$(inspect "$spin" '{{.HostConfig.CpuShares}}')"

# --- update ---------------------------------------------------------------
check "update to cpus 0.7, mem 96" update_to "$spin" "$(cpus 0.7)" "$(mem 96)"
usage=$(usage_of "$spin")
contains "usage shows the new cpus_limit" $'\ncpus_limit: 0.7\n' "$usage"$'\n'
contains "usage shows the new mem_limit_bytes" "mem_limit_bytes: $((96 * MiB))" "$usage"
equals "docker inspect shows the new shares, memory and reservation" "716 $((96 * MiB)) $((96 * MiB)) 0" \
  "$(inspect "$spin" '{{.HostConfig.CpuShares}} {{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}} {{.HostConfig.CpuQuota}}')"
check "an update with ports succeeds" update_to "$spin" "$(cpus 0.7)" "$(ports 31000 31001)"
contains "with a warning about the ports" "port" "$(grep -i warn "$T/err")"

# --- CFS quota on ---------------------------------------------------------
quota=rs-quota-$RUN
# The smallest quota (1 ms per period): any time slice the loop gets exceeds
# it, however busy the machine is.
check "launch with CFS on and cpus 0.01" with_cfs launch_with "$quota" "$busy" 0.01 64
equals "docker inspect shows quota = cpus x 100000 per 100000" "1000 100000" \
  "$(inspect "$quota" '{{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}}')"
contains "cpus_limit comes from the quota" $'\ncpus_limit: 0.01\n' "$(usage_of "$quota")"$'\n'
check "the quota throttles the busy loop" eventually 30 field_above "$quota" cpus_nr_throttled 0
check "update with CFS on to cpus 0.5" with_cfs update_to "$quota" "$(cpus 0.5)"
equals "the quota follows the update" "50000 512" "$(inspect "$quota" '{{.HostConfig.CpuQuota}} {{.HostConfig.CpuShares}}')"
contains "and so does cpus_limit" $'\ncpus_limit: 0.5\n' "$(usage_of "$quota")"$'\n'

# --- lowering memory below what is in use -----------------------------------
# Mesos's rule, made safe: the soft limit always takes the new value, but the
# hard limit is lowered only as far as the memory in use (never below it,
# which would make the kernel reclaim or OOM-kill at once); update warns.
# 48 MiB in the container's /dev/shm (tmpfs, charged to its cgroup, and
# never swapped since memory-swap equals memory) keeps usage above 32 MiB.
full=rs-full-$RUN
# Then it waits on a FIFO, and frees the memory by a truncation: with the
# hard limit at its usage, no fork until then (they would need memory).
mkfifo "$(new_sandbox "$full")/free"
check "launch a container holding 48 MiB, mem 128" launch_with "$full" \
  "dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=48 2>/dev/null; touch filled; \
   read line <free; : >/dev/shm/fill; touch freed; sleep 300" 0.2 128
check "it has filled its memory" eventually 20 test -e "$T/sandboxes/$full/filled"
check "update to mem 32 succeeds" update_to "$full" "$(mem 32)"
contains "with a warning that the hard limit stays at usage" "in use" "$(cat "$T/err")"
usage=$(usage_of "$full")
limit=$(echo "$usage" | sed -n 's/^mem_limit_bytes: //p')
check "the hard limit stays at least at usage (48 MiB)" test "${limit:-0}" -ge $((48 * MiB))
check "and below the old 128 MiB" test "${limit:-0}" -lt $((128 * MiB))
contains "the soft limit is the new 32 MiB" "mem_soft_limit_bytes: $((32 * MiB))" "$usage"
equals "docker inspect agrees" "$limit $((32 * MiB))" "$(inspect "$full" '{{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}}')"
equals "the container still runs" running "$(inspect "$full" '{{.State.Status}}')"
# Once the memory is freed, the same request lowers the hard limit to it:
# the record holds the limit set, not the one asked for.
check "it is told to free its memory" timeout 10 sh -c "echo >'$T/sandboxes/$full/free'"
check "it frees it" eventually 20 test -e "$T/sandboxes/$full/freed"
check "the same update to mem 32 succeeds again" update_to "$full" "$(mem 32)"
equals "now the hard limit is 32 MiB" "$((32 * MiB)) $((32 * MiB))" \
  "$(inspect "$full" '{{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}}')"
contains "and usage says so" "mem_limit_bytes: $((32 * MiB))" "$(usage_of "$full")"

# --- OOM ------------------------------------------------------------------
oom=rs-oom-$RUN
check "launch a 32 MiB container that allocates more" launch_with "$oom" 'x=a; while true; do x=$x$x; done' 0.2 32
# memory_limited ID MESSAGE: wait on ID reports a memory limitation with MESSAGE.
memory_limited() {
  local termination
  termination=$(termination_of "$1")
  contains "wait reports $1 killed" "killed: true" "$termination"
  contains "as TASK_FAILED" "state: TASK_FAILED" "$termination"
  contains "for the memory limit" "reasons: REASON_CONTAINER_LIMITATION_MEMORY" "$termination"
  contains "naming the limit" "message: \"Memory limit exceeded: limit 32 MiB$2" "$termination"
}
memory_limited "$oom" ""

# A shell in front of the real work: the kernel kills grep (holding one
# endless line), the shell exits 137 by itself. grep reads /dev/zero itself:
# with `head -c N /dev/zero | grep x`, head's pipe writes while grep was
# being killed sometimes made the kernel (cgroup v1) OOM-kill a second
# process, the shell, with usage already far below the limit (dmesg: "head
# invoked oom-killer ... usage 5740kB, limit 32768kB"), 1 run in 20 with
# plain `docker run` too. Here nothing else allocates while grep dies.
piped=rs-oom-piped-$RUN
check "launch a 32 MiB container whose second process allocates more" launch_with "$piped" \
  'grep x /dev/zero; exit $?' 0.2 32
memory_limited "$piped" ", container exited with status 137"
survived=rs-oom-survived-$RUN
check "launch a container that survives its child's OOM kill" launch_with "$survived" \
  'grep x /dev/zero; exit 0' 0.2 32
termination=$(termination_of "$survived")
contains "one that ends 0 anyway succeeds" "status: 0" "$termination"
contains "counting the OOM kill" "after 1 OOM kill(s) in the container" "$termination"
check "and is no memory limitation" bash -c "! grep -q REASON_CONTAINER_LIMITATION_MEMORY <<<'$termination'"

# --- network counters -----------------------------------------------------
bridged=rs-bridge-$RUN
check "launch a container on the bridge network" launch_with "$bridged" "sleep 300" 0.1 32 BRIDGE
usage=$(usage_of "$bridged")
contains "bridge network: rx counters present" "net_rx_bytes: " "$usage"
contains "bridge network: tx counters present" "net_tx_packets: " "$usage"
case $(usage_of "$spin") in
  *net_*) not_ok "host network: no network counters" ;;
  *cpus_limit*) ok "host network: no network counters" ;;
  *) not_ok "host network: no network counters" "usage failed: $(cat "$T/err")" ;;
esac

# --- refusals ---------------------------------------------------------------
call_refused "usage of an unknown container fails clearly" usage "$(frame_for Usage "rs-unknown-$RUN")" "container rs-unknown-$RUN"
call_refused "update of an unknown container fails clearly" update "$(update_frame "rs-unknown-$RUN" "$(cpus 1)")" "container rs-unknown-$RUN"
ended=rs-ended-$RUN
check "launch a container that ends" launch_with "$ended" "exit 0" 0.1 32
contains "it ends" "status: 0" "$(termination_of "$ended")"
ended_container "an ended container (waited for)" "$ended"
exited=rs-exited-$RUN
check "launch a container that ends when told" launch_with "$exited" "while [ ! -e go ]; do sleep 0.1; done" 0.1 32
contains "usage works while it runs" "cpus_limit" "$(usage_of "$exited")"
touch "$T/sandboxes/$exited/go"
check "it exits" eventually 20 state_is "$exited" exited
ended_container "an exited container no one waited for" "$exited"
finish
