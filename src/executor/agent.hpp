#pragma once
// The agent's v1 executor API (/api/v1/executor), protobuf both ways:
// SUBSCRIBE opens the event stream, every other call is a POST of its own
// that the agent answers 202 Accepted (src/slave/http.cpp, Mesos 1.0.1).
// Each call is one attempt on a fresh connection: the caller retries
// (outbox.hpp). The agent answers from its Slave actor, which a loaded agent
// runs late (see README, "Agents under load"): timeouts are generous.
#include <memory>
#include <optional>

#include "executor.pb.h"
#include "executor/config.hpp"
#include "http/client.hpp"
#include "http/recordio.hpp"

namespace dc::executor {

// The agent answered a call with an HTTP error: `status` says which.
struct Refused : Error {
  Refused(int status, const std::string& what) : Error(what), status(status) {}
  // 400 and 404: it does not know this framework or executor (any more).
  bool fatal() const { return status == 400 || status == 404; }
  int status;
};

class Agent {
 public:
  explicit Agent(const Config& config);

  // SUBSCRIBE: the open event stream; throws Refused when the agent refuses
  // (its status and reason in the message), dc::Error when it cannot be reached.
  std::unique_ptr<http::Stream> subscribe(const mesos::v1::executor::Call::Subscribe& subscribe) const;

  // UPDATE; throws Refused or dc::Error when the agent did not accept it.
  void update(const mesos::TaskStatus& status) const;

  // GET /slave(1)/health: answered by the same actor that handles the
  // executor's calls, so an answer says the agent still works for us.
  // Throws dc::Error when it does not answer 200.
  void health() const;

 private:
  mesos::v1::executor::Call call(mesos::v1::executor::Call::Type type) const;
  const Config& config_;
};

// Events out of a stream's bytes.
class Events {
 public:
  void feed(const std::string& bytes) { records_.feed(bytes); }
  // The next whole event; throws dc::Error on a malformed one.
  std::optional<mesos::v1::executor::Event> next();

 private:
  recordio::Decoder records_;
};

}  // namespace dc::executor
