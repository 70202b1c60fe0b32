#include "sandbox.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <utility>

#include "base/error.hpp"

namespace dc::framework {
namespace {

constexpr std::chrono::seconds kTimeout{10};

using nlohmann::json;

bool runs(const json& executor, const std::string& task_id) {
  if (executor.value("id", "") == task_id) return true;  // a command task's executor has the task's id
  for (const char* list : {"tasks", "queued_tasks", "completed_tasks"})
    for (const auto& task : executor.value(list, json::array()))
      if (task.value("id", "") == task_id) return true;
  return false;
}

}  // namespace

std::string executor_directory(const std::string& state_json, const std::string& framework_id,
                               const std::string& task_id) {
  const json state = json::parse(state_json, nullptr, false);
  if (state.is_discarded() || !state.is_object()) throw Error("the agent's state is not a JSON object");
  for (const char* frameworks : {"frameworks", "completed_frameworks"})
    for (const auto& framework : state.value(frameworks, json::array()))
      if (framework.value("id", "") == framework_id)
        for (const char* executors : {"executors", "completed_executors"})
          for (const auto& executor : framework.value(executors, json::array()))
            if (runs(executor, task_id)) return executor.value("directory", "");
  return "";
}

Sandbox::Sandbox(const Agent& agent, std::string framework_id, std::string task_id)
    : framework_id_(std::move(framework_id)), task_id_(std::move(task_id)) {
  const auto& address = agent.url.address();
  const std::string host = !address.ip().empty() ? address.ip() : address.hostname();
  authority_ = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(address.port());
  state_path_ = agent.url.path() + "/state";
  hostname_ = agent.hostname;
}

http::Url Sandbox::url(const std::string& target) const { return http::Url::parse(authority_ + target); }

bool Sandbox::locate() {
  if (!directory_.empty()) return true;
  const http::Response r = http::send(url(state_path_), {"GET", state_path_, {}, ""}, kTimeout);
  if (r.status != 200)
    throw Error("the agent at " + authority_ + " answered " + std::to_string(r.status) + " for " + state_path_ +
                (r.status == 401 ? " (it asks for credentials; the principal's go to masters only)" : ""));
  directory_ = executor_directory(r.body, framework_id_, task_id_);
  return !directory_.empty();
}

bool Sandbox::read(const std::string& name, long& offset, std::FILE* to) {
  const std::string target = "/files/read?path=" + http::percent_encode(directory_ + "/" + name) +
                             "&offset=" + std::to_string(offset);
  const http::Response r = http::send(url(target), {"GET", target, {}, ""}, kTimeout);
  if (r.status == 404) return false;  // not made yet
  if (r.status != 200)
    throw Error("the agent at " + authority_ + " answered " + std::to_string(r.status) + " for " + name);
  const json answer = json::parse(r.body, nullptr, false);
  if (answer.is_discarded() || !answer.contains("data"))
    throw Error("the agent at " + authority_ + " sent an unreadable /files/read answer for " + name);
  const std::string data = answer["data"].get<std::string>();
  if (data.empty()) return false;
  std::fwrite(data.data(), 1, data.size(), to);
  std::fflush(to);
  offset = answer.value("offset", offset) + static_cast<long>(data.size());
  return true;
}

bool Sandbox::poll(std::FILE* out, std::FILE* err) {
  if (!locate()) return false;
  const bool got_out = read("stdout", stdout_offset_, out);
  const bool got_err = read("stderr", stderr_offset_, err);
  return got_out || got_err;
}

}  // namespace dc::framework
