#pragma once
// The scheduler's connection to the master: SUBSCRIBE's response held open
// as the event stream (RecordIO of protobuf Events), every other call its
// own POST answered 202, with the stream's Mesos-Stream-Id header. HTTP
// and RecordIO are src/http's.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/client.hpp"
#include "http/recordio.hpp"
#include "options.hpp"
#include "scheduler.pb.h"

namespace dc::framework {

class Master {
 public:
  explicit Master(const Options& options);

  // Sends SUBSCRIBE and reads the response's header; throws dc::Error with
  // the master's answer when it is not 200 (e.g. 401, a 307 to the leader).
  void subscribe(const mesos::scheduler::Call& call);

  // The next event; nullopt once the master closed the stream (or after
  // cancel()). Throws dc::Error on a broken stream or when no event (not
  // even a heartbeat) came for five heartbeat intervals. One reader thread.
  std::optional<mesos::scheduler::Event> next_event();

  // POSTs the call; throws dc::Error unless the master answers 202.
  void send(const mesos::scheduler::Call& call);

  // Thread-safe: ends the stream; next_event() returns nullopt.
  void cancel();

  // Headers every request to the cluster carries (basic auth), also for the
  // agent's endpoints.
  const http::Headers& auth() const { return auth_; }

 private:
  http::Request request(const mesos::scheduler::Call& call) const;

  http::Url url_;
  http::Headers auth_;
  std::string stream_id_;
  std::unique_ptr<http::Stream> stream_;
  recordio::Decoder records_;
  std::chrono::milliseconds idle_{0};  // 0 until SUBSCRIBED names the heartbeat interval
};

}  // namespace dc::framework
