# Sourced by every tests/real_agent/*_test.sh: the integration tests' TAP
# helpers and workspace (tests/integration/lib.sh), and real Mesos masters
# and agents (cluster.sh) from the builds MESOS_BUILDS names. Without it the
# test is skipped (exit 77, CTest's SKIP_RETURN_CODE). Everything a test
# starts is killed by pid at exit, and the containers of its agents removed.
if [ -z "${MESOS_BUILDS:-}" ]; then
  echo "1..0 # SKIP MESOS_BUILDS is not set (see the README, \"Real-agent tests\")"
  exit 77
fi
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
RA_DIR=$T
on_exit cluster_cleanup

# skip DESCRIPTION REASON: a TAP test skipped, with why.
skip() { ok "$1 # SKIP $2"; }

# for_each_build COMMAND...: runs COMMAND once per MESOS_BUILDS entry, one
# version after another, with that Mesos selected and a master of it
# running (RA_MASTER) and MODES set (task_modes); whatever COMMAND leaves
# running is killed after it. Each entry has a scratch directory RA_DIR of
# its own: an agent must never recover another version's work directory.
for_each_build() {
  local entry n=0
  for entry in $MESOS_BUILDS; do
    n=$((n + 1))
    RA_DIR=$T/build-$n
    mkdir -p "$RA_DIR"
    if ! use_build "$entry"; then
      not_ok "a Mesos from $entry" "$RA_ERROR"
      continue
    fi
    echo "# Mesos $RA_VERSION from $entry"
    task_modes
    if start_master; then "$@"; else not_ok "a $RA_VERSION master starts" "$RA_ERROR"; fi
    cluster_cleanup
  done
}

# task_modes: sets MODES, the task modes each case runs in on the selected
# Mesos: `auto` (host from 0.27, override before), and override forced where
# auto picks host and mesos-executor still has --override (0.27, 0.28).
# Says which modes are left out and why.
task_modes() {
  MODES=(auto)
  if has_v1_executor; then
    skip "host mode forced on $RA_VERSION" "auto picks host mode here"
  else
    skip "host mode on $RA_VERSION" "no v1 executor API before 0.27"
  fi
  if ! has_override; then
    skip "override mode on $RA_VERSION" "mesos-executor $RA_VERSION has no --override"
  elif has_v1_executor; then
    MODES+=(override)
  else
    skip "override mode forced on $RA_VERSION" "auto picks override mode here"
  fi
  skip "executor mode on $RA_VERSION" "the test image $RA_IMAGE holds no mesos-executor and its libraries"
}

# mode_of MODE: the mode MODE resolves to on the selected Mesos (auto: host
# from 0.27, override before).
mode_of() {
  if [ "$1" != auto ]; then echo "$1"; elif has_v1_executor; then echo host; else echo override; fi
}

# agent_in MODE NAME [FLAG...]: an agent NAME of the selected Mesos with
# CONTAINERIZER_TASK_MODE=MODE in its environment (none for auto); reports
# when it does not register.
agent_in() {
  local mode=$1
  shift
  RA_AGENT_ENV=()
  [ "$mode" = auto ] || RA_AGENT_ENV=(CONTAINERIZER_TASK_MODE="$mode")
  start_agent "$@" && return
  not_ok "a $RA_VERSION agent ($mode mode) registers" "$RA_ERROR"
  return 1
}

# ended NAME [SECONDS]: waits (default 120 s) for framework NAME (execute,
# schedule) to exit; kills it when it does not.
ended() {
  local pid
  pid=$(cat "$RA_DIR/$1.pid" 2>/dev/null) || return 1
  poll "${2:-120}" pid_gone "$pid" || { stop_pid "$pid" KILL; return 1; }
}

# ends_in DESCRIPTION NAME STATE: mesos-execute NAME's last state is STATE;
# else what it received (states and their message, source, reason).
ends_in() {
  if [ "$(final_state "$2")" = "$3" ]; then ok "$1"; return; fi
  local received
  mapfile -t received < <(grep -E "^Received status update|^  (message|source|reason):" "$RA_DIR/$2.execute")
  [ ${#received[@]} -gt 0 ] || mapfile -t received < <(tail -n 5 "$RA_DIR/$2.execute")
  not_ok "$1" "expected: $3; mesos-execute $2 received:" "${received[@]}"
}

# nothing_left DESCRIPTION: within 60 s, no container and no process of the
# current agent's work directory remain (the agent keeps none after a task
# ends: the program removes its containers itself).
nothing_left() {
  if poll 60 left_none; then ok "$1"; else
    local processes
    mapfile -t processes < <(for p in $(processes_of "$RA_WORK"); do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)
    not_ok "$1" "containers: $(containers_of "$RA_WORK" | tr '\n' ' ')" "processes:" "${processes[@]}"
  fi
}
left_none() { [ -z "$(containers_of "$RA_WORK")" ] && [ -z "$(processes_of "$RA_WORK")" ]; }
