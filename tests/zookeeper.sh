# A ZooKeeper server of a test's own, for tests/integration (stand-ins) and
# tests/real_agent (real masters): Debian's `zookeeper` package, standalone
# on a free loopback port, its data in DIR, no admin server (it would take
# port 8080). The caller stops ZK_PID at exit.
#
# zookeeper_start DIR: starts it; sets ZK (127.0.0.1:PORT) and ZK_PID; returns
# once it answers `ruok` with `imok`, or 1 after 60 s (its log in DIR/log).
source "$(dirname "${BASH_SOURCE[0]}")/wait.sh"
zookeeper_start() {
  local dir=$1 port
  mkdir -p "$dir/data"
  port=$(free_port)
  printf '%s\n' "tickTime=2000" "dataDir=$dir/data" "clientPort=$port" "clientPortAddress=127.0.0.1" \
    "admin.enableServer=false" "4lw.commands.whitelist=ruok,srvr" >"$dir/zoo.cfg"
  java -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" \
    >"$dir/log" 2>&1 &
  ZK_PID=$!
  ZK=127.0.0.1:$port
  eventually 60 zookeeper_ok_or_gone "$port" && zookeeper_ok "$port"
}
zookeeper_ok_or_gone() { ! kill -0 "$ZK_PID" 2>/dev/null || zookeeper_ok "$1"; }
zookeeper_ok() {
  local answer
  # A server still starting can take the connection and answer nothing (seen
  # under stress-ng: the test hung here): the read is bounded, then asked again.
  answer=$({ exec 3<>"/dev/tcp/127.0.0.1/$1" && echo ruok >&3 && timeout 2 cat <&3; } 2>/dev/null)
  [ "$answer" = imok ]
}
