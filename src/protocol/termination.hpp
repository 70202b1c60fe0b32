#pragma once
// How a container ended, as the agent wants to hear it: a Termination with
// `status` in waitpid form (exit code N -> N << 8, signal S -> S), fields 1-3
// always set so that 0.20 agents accept it, and state/reasons for an OOM.
#include <cstdint>
#include <optional>
#include <string>

#include "containerizer.pb.h"

namespace dc::termination {

struct Exit {
  int status = 0;     // waitpid form
  bool oom = false;   // the kernel's OOM killer killed a process of the container
  long oom_kills = 0;  // how many, when known (the status file counts them)
};

// The init's status file: "status <waitpid status>\noom_kill <N>\n".
// nullopt if malformed.
std::optional<Exit> parse_status_file(const std::string& text);

// From docker's State: containerd reports death by signal S as 128+S.
Exit from_docker(int exit_code, bool oom_killed);

// "exited with status 3", "terminated by signal 9 (Killed)".
std::string describe(int status);

// The Termination to report. `killed`: a destroy ended it. A non-zero end
// after an OOM kill of any process in the container (often not the first: a
// shell or supervisor in front of the real work exits 137 when its child is
// killed) is a memory limitation; an end with status 0 is a success that
// mentions the OOM kills.
mesos::containerizer::Termination make(const Exit& exit, bool killed, uint64_t mem_limit_bytes);

// The exit code a process should exit with to mirror `status` (128+S for S).
int exit_code(int status);

}  // namespace dc::termination
