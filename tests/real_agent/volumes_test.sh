#!/usr/bin/env bash
# Persistent volumes on real agents (issue 22): a v1 framework (scheduler.py)
# of role dc-test RESERVEs disk, CREATEs a volume and LAUNCHes a task that
# writes into it, on one offer; a second framework of the role gets the
# volume in its offer and launches a task that reads it. The data is in the
# agent's volume directory and outlives both containers. In every task mode
# of each version from 0.28 (0.20 has no persistent volumes; the v1
# scheduler API came in 0.24); beside it, where that agent runs (0.28 on),
# the same two frameworks against Mesos's own --containerizers=docker.
source "$(dirname "$0")/lib.sh"
RA_RESOURCES='cpus:4;mem:4096;disk:1024'
# As load_test.sh: a client whose version Mesos's Docker containerizer parses.
RA_DOCKER=${REAL_AGENT_DOCKER:-$( [ -x /usr/local/bin/docker ] && echo /usr/local/bin/docker || command -v docker)}

# volume_round WHAT: the writer and the reader on the running agent.
volume_round() {
  local what=$1 data=kept-$RUN-$RANDOM dir=$RA_WORK/volumes/roles/dc-test/pv-1
  local role=(--role dc-test --principal dc-test --volume pv-1 64 data --timeout 120)
  schedule writer "${role[@]}" --task writer 0.1 48 "echo $data >\$MESOS_SANDBOX/data/file"
  check "$what the writer's framework ends" ended writer
  contains "$what RESERVE and CREATE with the launch" '"created": true' "$(cat "$RA_DIR/writer.sched" "$RA_DIR/writer.sched.err")"
  equals "$what the writer ends TASK_FINISHED" TASK_FINISHED "$(update_of writer writer state)"
  equals "$what its data is in the agent's volume directory" "$data" "$(cat "$dir/file" 2>&1)"
  schedule reader "${role[@]}" --task reader 0.1 48 'cat $MESOS_SANDBOX/data/file'
  check "$what the reader's framework ends" ended reader
  contains "$what it found the volume in its offer" '"created": false' "$(cat "$RA_DIR/reader.sched" "$RA_DIR/reader.sched.err")"
  equals "$what the reader ends TASK_FINISHED" TASK_FINISHED "$(update_of reader reader state)"
  check "$what it read the writer's data" grep -qx "$data" "$(sandbox_of reader)/stdout"
  equals "$what the data outlives both containers" "$data" "$(cat "$dir/file" 2>&1)"
}

volumes_in() {
  local mode=$1
  agent_in "$mode" "volumes-$mode" || return
  volume_round "$RA_VERSION $mode:"
  nothing_left "$RA_VERSION $mode: no container and no process is left"
  stop_pid "$RA_AGENT_PID"
}

# Mesos's Docker containerizer bind-mounts each volume into the sandbox on
# the host and unmounts it when it destroys the container: one whose agent
# stopped first stays mounted (seen with 1.0.1). The test's own, under WORK.
unmount_under() {
  local target
  for target in $(awk -v work="$1/" 'index($2, work) == 1 {print $2}' /proc/mounts | sort -r); do umount "$target"; done
}

# Mesos's own Docker containerizer: what the same frameworks see there.
docker_side_by_side() {
  if ! has_docker_comparison; then
    skip "$RA_VERSION --containerizers=docker beside it" "no --docker_kill_orphans before 0.28"
    return
  fi
  if ! start_agent volumes-docker --containerizers=docker --docker="$RA_DOCKER" --docker_kill_orphans=false; then
    skip "$RA_VERSION --containerizers=docker beside it" "its agent did not start: $RA_ERROR"
    return
  fi
  local work=$RA_WORK
  on_exit "unmount_under $work"
  volume_round "$RA_VERSION --containerizers=docker:"
  stop_pid "$RA_AGENT_PID"
  unmount_under "$work"
}

volumes_test() {
  if ! version_at_least 0.28; then
    skip "persistent volumes on $RA_VERSION" "Mesos $RA_VERSION has none (Resource has no disk before 0.23) and no v1 scheduler"
    return
  fi
  local mode
  for mode in "${MODES[@]}"; do volumes_in "$mode"; done
  docker_side_by_side
}
for_each_build volumes_test
finish
