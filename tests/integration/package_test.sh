#!/usr/bin/env bash
# Package and install (issue 13): CPack's .deb, made from the binaries this
# build already has, installs with dpkg -i into the standard layout, reads
# and keeps its conffile, runs a launch -> wait -> destroy through
# /usr/bin/docker-containerizer, and dpkg --purge leaves nothing behind.
# Root and dpkg needed (CI runs as root on Debian); no other test uses the
# installed paths (CMakeLists.txt's RESOURCE_LOCK keeps it so).
source "$(dirname "$0")/lib.sh"

DC_BUILD=${DC_BUILD:-$DC_ROOT/build}
PACKAGE=docker-containerizer
LIB=/usr/lib/docker-containerizer
CONFFILE=/etc/docker-containerizer/environment.sh
INSTALLED=(/usr/bin/docker-containerizer /usr/bin/launch-container "$LIB" /etc/docker-containerizer
  /usr/share/doc/docker-containerizer /usr/share/man/man8/docker-containerizer.8.gz)
# The installed program, with the installed settings only: none of the
# suite's own (scripts/test --sanitize exports CONTAINERIZER_BINARY).
unset $(compgen -v CONTAINERIZER_)

# refuse REASON: the test cannot run here; one clear line, and a failure.
refuse() {
  echo "package_test: $1" >&2
  not_ok "$1"
  finish
}
[ "$(id -u)" = 0 ] || refuse "must run as root to dpkg -i the package (uid $(id -u))"
command -v dpkg >/dev/null && command -v cpack >/dev/null || refuse "needs dpkg and cpack (a Debian machine, scripts/setup)"
# Never replace (and then purge) an operator's install.
status=$(dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null)
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] ||
  refuse "$PACKAGE is already on this machine ($status): dpkg --purge $PACKAGE first"
for path in "${INSTALLED[@]}"; do
  [ -e "$path" ] && refuse "$path exists already (an install not by this test?): remove it first"
done
on_exit "dpkg --purge $PACKAGE >/dev/null 2>&1"

# --- the package -----------------------------------------------------------------
if (cd "$DC_BUILD" && cpack -B "$T/package") >"$T/cpack.log" 2>&1; then
  ok "cpack makes the package from the built tree"
else
  not_ok "cpack makes the package from the built tree" "$(tail -n 20 "$T/cpack.log")"
fi
deb=$(ls "$T/package/"*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || refuse "cpack made no .deb (in $T/package)"
echo "# $(basename "$deb"): $(($(stat -c %s "$deb") / 1024)) KiB" >&2
depends=$(dpkg-deb -f "$deb" Depends)
contains "it depends on the docker CLI" "docker.io | docker-ce-cli" "$depends"
contains "and on the shared libraries the fetcher links" "libcurl" "$depends"
dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./conffiles >"$T/conffiles" 2>/dev/null
equals "it marks the settings as a conffile" "$CONFFILE" "$(cat "$T/conffiles")"

if dpkg -i "$deb" >"$T/dpkg.log" 2>&1; then ok "dpkg -i installs it"; else not_ok "dpkg -i installs it" "$(cat "$T/dpkg.log")"; fi

# --- the layout ------------------------------------------------------------------------
for program in /usr/bin/docker-containerizer /usr/bin/launch-container "$LIB/docker-containerizer" \
  "$LIB/docker-containerizer-codec" "$LIB/docker-containerizer-fetch" "$LIB/containerizer-init" \
  "$LIB/launch-container-cluster"; do
  check "installed: $program" test -x "$program"
done
check "installed: the settings, from environment.sh.dist" cmp -s "$DC_ROOT/environment.sh.dist" "$CONFFILE"
contains "dpkg knows them as a conffile" " $CONFFILE " "$(dpkg-query -W -f='${Conffiles}' "$PACKAGE")"
check "installed: the README" test -s /usr/share/doc/docker-containerizer/README.md
dropin=/usr/share/doc/docker-containerizer/examples/mesos-agent-worker-threads.conf
check "installed: the systemd drop-in example for the agent's worker threads" \
  grep -qxE 'Environment=LIBPROCESS_NUM_WORKER_THREADS=[0-9]+' "$dropin"
check "a drop-in systemd reads: a [Service] section" grep -qx '\[Service\]' "$dropin"
equals "not enabled: the package puts nothing under /etc/systemd" "" "$(dpkg -L "$PACKAGE" | grep '^/etc/systemd')"
check "installed: the man page, roff" bash -c "zcat /usr/share/man/man8/docker-containerizer.8.gz | grep -q '^\.TH \"DOCKER-CONTAINERIZER\" \"8\"'"

# --- the installed program --------------------------------------------------------------
DC=/usr/bin/docker-containerizer
version=$("$DC" --version 2>"$T/err")
equals "--version exits 0 with nothing on stderr" "0:" "$?:$(cat "$T/err")"
equals "--version names the package's version" "docker-containerizer $(dpkg-query -W -f='${Version}' "$PACKAGE")" \
  "$(head -1 <<<"$version")"
"$DC" check >"$T/check.out" 2>&1
contains "check runs through the installed wrapper" "mesos-" "$(cat "$T/check.out")"
contains "--version names the docker client" "docker client: $(docker version --format '{{.Client.Version}}' 2>/dev/null)" \
  "$version"

# The settings come from /etc, and an edited conffile survives a reinstall.
wait_frame=$(frame_for Wait "$(cid none)")
echo 'CONTAINERIZER_FRAME_LIMIT=1' >>"$CONFFILE"
"$DC" wait <"$wait_frame" >/dev/null 2>"$T/err"
contains "the installed wrapper reads $CONFFILE" "exceeds the limit of 1" "$(cat "$T/err")"
dpkg -i "$deb" >"$T/dpkg.log" 2>&1
check "a reinstall keeps the edited conffile" grep -qx 'CONTAINERIZER_FRAME_LIMIT=1' "$CONFFILE"
cp "$DC_ROOT/environment.sh.dist" "$CONFFILE"

start pkg 'echo hello from the package; sleep 600'
check "launch through $DC: the container's output reaches the sandbox" \
  eventually 20 grep -qx 'hello from the package' "$(sandbox_of pkg)/stdout"
contains "the container's init is the installed one" "$LIB/containerizer-init" \
  "$(docker inspect -f '{{range .Mounts}}{{.Source}} {{end}}' "$(name pkg)" 2>/dev/null)"
call_async wait wait "$(frame_for Wait "$(cid pkg)")"
check "wait blocks while it runs" until_blocked wait
check "destroy through $DC" call destroy "$(frame_for Destroy "$(cid pkg)")"
await_call wait 20
equals "wait returns after the destroy" 0 "$?"
contains "and reports the container destroyed" "killed: true" "$("$DC" decode Termination <"$T/wait.out")"
check "no container is left" test -z "$(docker ps -aq --filter "label=docker-containerizer.container-id=$(cid pkg)")"

# --- purge ---------------------------------------------------------------------------------
if dpkg --purge "$PACKAGE" >"$T/dpkg.log" 2>&1; then ok "dpkg --purge removes it"; else not_ok "dpkg --purge removes it" "$(cat "$T/dpkg.log")"; fi
left=()
for path in "${INSTALLED[@]}"; do [ -e "$path" ] && left+=("$path"); done
equals "nothing of it is left" "" "${left[*]}"
equals "dpkg forgot it" "" "$(dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -v not-installed)"
finish
