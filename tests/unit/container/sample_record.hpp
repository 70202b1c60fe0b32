#pragma once
// The container facts the record tests share (hooks' environment, the
// record's JSON), so that one sample serves both.
#include "container/state.hpp"
#include "protocol/naming.hpp"

namespace dc_test {

// Container `container_id` on agent `slave_id`, named as launch names it: a
// bridged container of task-1 from a pulled busybox, two ports published. The
// caller adds the container's paths and its docker id.
inline dc::state::Record sample_task_record(const std::string& slave_id, const std::string& container_id) {
  dc::state::Record r;
  r.container_id = container_id;
  r.slave_id = slave_id;
  r.name = dc::ids::container_name(slave_id, container_id);
  r.image = "library/busybox:1.36";
  r.image_id = "sha256:fd96";
  r.image_digest = "busybox@sha256:9ae9";
  r.framework_id = "F1";
  r.executor_id = "exec-1";
  r.task_id = "task-1";
  r.network = "bridge";
  r.ip = "172.17.0.2";
  r.ports = {"31000->80/tcp", "31001->53/udp"};
  return r;
}

}  // namespace dc_test
