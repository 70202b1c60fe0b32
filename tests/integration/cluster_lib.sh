# Sourced by the launch-container --master tests (after lib.sh): master
# stand-ins (tests/integration/master_standin.cpp) scripted through a fifo,
# the launcher in the background, and a ZooKeeper server of the test's own.
LC=$DC_ROOT/bin/launch-container
STANDIN=$DC_BUILD/master-standin

# master NAME [STANDIN_ARGS...]: starts a stand-in in $T/NAME (sandbox
# $T/NAME/sandbox, calls in $T/NAME/record) with its commands on fd
# ${master_in[NAME]}; sets PORT.
declare -A master_in master_pid
master() {
  local dir=$T/$1 fd
  mkdir -p "$dir/sandbox"
  : >"$dir/record"
  mkfifo "$dir/in"
  "$STANDIN" --port-file "$dir/port" --record "$dir/record" --sandbox "$dir/sandbox" "${@:2}" \
    <"$dir/in" 2>"$dir/standin.err" &
  master_pid[$1]=$!
  exec {fd}>"$dir/in"
  master_in[$1]=$fd
  eventually 30 test -s "$dir/port" || not_ok "the stand-in $1 starts" "$(cat "$dir/standin.err")"
  PORT=$(cat "$dir/port")
}
# tell NAME LINE: a command to stand-in NAME (`update STATE [MESSAGE]`, `resign`).
tell() { echo "$2" >&"${master_in[$1]}"; }
recorded() { grep -q "^$2" "$T/$1/record"; }
calls() { cut -d' ' -f1 "$T/$1/record" | tr '\n' ' '; }
# launch NAME ARGS...: runs launch-container in the background against
# stand-in NAME (--master $MASTER, else the last stand-in's 127.0.0.1:$PORT);
# output in $T/NAME/out and err, pid in LAUNCHER.
launch() {
  local name=$1
  shift
  mkdir -p "$T/$name"
  "$LC" --master "${MASTER:-127.0.0.1:$PORT}" --image "$TEST_IMAGE" --id "$(cid "$name")" "$@" \
    >"$T/$name/out" 2>"$T/$name/err" &
  LAUNCHER=$!
}
# ended: waits (bounded) for the launcher; its exit code in RC.
ended() {
  local deadline=$((SECONDS + 30))
  while kill -0 "$LAUNCHER" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  kill -0 "$LAUNCHER" 2>/dev/null && kill -KILL "$LAUNCHER"
  wait "$LAUNCHER"
  RC=$?
}

# zookeeper: the test's own ZooKeeper server (tests/zookeeper.sh), stopped
# at exit; sets ZK (127.0.0.1:PORT).
source "$(dirname "${BASH_SOURCE[0]}")/../zookeeper.sh"
zookeeper() {
  zookeeper_start "$T/zk"
  local started=$?
  on_exit 'kill "$ZK_PID" 2>/dev/null; wait "$ZK_PID" 2>/dev/null'
  [ "$started" = 0 ] || not_ok "ZooKeeper starts on $ZK" "$(tail -n 5 "$T/zk/log")"
}
