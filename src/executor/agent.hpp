#pragma once
// The agent's v1 executor API (/api/v1/executor), protobuf both ways:
// SUBSCRIBE opens the event stream, every other call is a POST of its own
// that the agent answers 202 Accepted (src/slave/http.cpp, Mesos 1.0.1).
#include <memory>
#include <optional>

#include "executor.pb.h"
#include "executor/config.hpp"
#include "http/client.hpp"
#include "http/recordio.hpp"

namespace dc::executor {

class Agent {
 public:
  explicit Agent(const Config& config);

  // SUBSCRIBE: the open event stream; throws dc::Error when the agent cannot
  // be reached or refuses (its status and reason in the message).
  std::unique_ptr<http::Stream> subscribe(const mesos::v1::executor::Call::Subscribe& subscribe) const;

  // UPDATE; throws dc::Error when the agent did not accept it (the update
  // stays unacknowledged and goes again with the next SUBSCRIBE).
  void update(const mesos::TaskStatus& status) const;

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
