#!/usr/bin/env bash
# labels (issue 11): task and executor labels become docker labels under
# docker-containerizer.label.<key> (the task's win), never replacing the
# program's own; a key docker would refuse is skipped with a warning.
source "$(dirname "$0")/lib.sh"

unset MESOS_DEFAULT_CONTAINER_IMAGE
frame=$(exec_frame labelled "command { value: \"sleep 30\" }
  container { type: DOCKER docker { image: \"$TEST_IMAGE\" } }
  labels { labels { key: \"team\" value: \"web\" } labels { key: \"both\" value: \"executor\" }
           labels { key: \"bad key\" value: \"x\" } }" "task_info { name: \"t\" task_id { value: \"t\" }
  executor { executor_id { value: \"executor-labelled\" } }
  labels { labels { key: \"both\" value: \"task\" } labels { key: \"container-id\" value: \"forged\" } } }")
if call launch "$frame"; then ok "a labelled container launches"; else not_ok "a labelled container launches" "$(cat "$T/err")"; fi
label() { docker inspect -f "{{index .Config.Labels \"$1\"}}" "$(name labelled)"; }
equals "an executor label" web "$(label docker-containerizer.label.team)"
equals "the task's label wins" task "$(label docker-containerizer.label.both)"
equals "a label named like one of ours is namespaced" forged "$(label docker-containerizer.label.container-id)"
equals "ours is untouched" "$(cid labelled)" "$(label docker-containerizer.container-id)"
contains "a key docker refuses is skipped with a warning" "warning: container $(cid labelled): label 'bad key' skipped" \
  "$(cat "$T/err")"
equals "and is not on the container" "" \
  "$(docker inspect -f '{{range $k, $v := .Config.Labels}}{{if eq $v "x"}}{{$k}}{{end}}{{end}}' "$(name labelled)")"
finish
