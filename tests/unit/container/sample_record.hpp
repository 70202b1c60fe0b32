#pragma once
// The task and network facts the record tests share (hooks' environment, the
// record's JSON), so that one sample serves both.
#include "container/state.hpp"

namespace dc_test {

// A bridged container of task-1, two ports published; the caller adds the
// container's own ids and paths.
inline dc::state::Record sample_task_record() {
  dc::state::Record r;
  r.image = "library/busybox:1.36";
  r.framework_id = "F1";
  r.executor_id = "exec-1";
  r.task_id = "task-1";
  r.network = "bridge";
  r.ip = "172.17.0.2";
  r.ports = {"31000->80/tcp", "31001->53/udp"};
  return r;
}

}  // namespace dc_test
