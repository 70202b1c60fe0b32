# Test helpers shared by tests/integration/lib.sh, tests/real_agent/cluster.sh
# and tests/zookeeper.sh: one way to wait for a thing, one free port.

# eventually SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds
# (returns 0) or SECONDS have passed (returns 1).
eventually() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}
# The real-agent tests' name for it.
poll() { eventually "$@"; }

# free_port: a TCP port nothing listens on at the moment, on loopback.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
