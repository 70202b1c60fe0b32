#pragma once
// The task's sandbox on its agent, read over HTTP as the web UI does: the
// executor's directory from the agent's state endpoint, then its stdout and
// stderr through /files/read ({"data": ..., "offset": ...}, at most 64 KiB
// a read), each from where the last read ended.
#include <cstdio>
#include <string>

#include "http/client.hpp"
#include "scheduler.hpp"

namespace dc::framework {

class Sandbox {
 public:
  // No credentials: the principal's go to masters only, never to agents.
  Sandbox(const Agent& agent, std::string framework_id, std::string task_id);

  // Copies what the task's stdout and stderr gained since the last call to
  // `out` and `err`; returns whether anything came. Finds the directory
  // first (nothing comes while the agent does not list the executor yet).
  // Throws dc::Error when the agent cannot be asked.
  bool poll(std::FILE* out, std::FILE* err);

  // The executor's directory on the agent; empty until found.
  const std::string& directory() const { return directory_; }
  const std::string& hostname() const { return hostname_; }

 private:
  bool locate();
  bool read(const std::string& name, long& offset, std::FILE* to);
  http::Url url(const std::string& target) const;

  std::string authority_;  // host:port of the agent
  std::string state_path_;
  std::string hostname_;
  std::string framework_id_;
  std::string task_id_;
  std::string directory_;
  long stdout_offset_ = 0;
  long stderr_offset_ = 0;
};

// The directory of the executor running `task_id` of `framework_id` in an
// agent's /state JSON (frameworks or completed_frameworks, executors or
// completed_executors); empty when it is not there. Throws dc::Error on JSON
// that does not parse.
std::string executor_directory(const std::string& state_json, const std::string& framework_id,
                               const std::string& task_id);

}  // namespace dc::framework
