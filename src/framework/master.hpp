#pragma once
// The scheduler's connection to the leading master: SUBSCRIBE's response
// held open as the event stream (RecordIO of protobuf Events), every other
// call its own POST answered 202, with the stream's Mesos-Stream-Id header.
// The leader is found in ZooKeeper (--master zk://... or file://...) or
// among the masters named (HOST:PORT[,HOST:PORT...]), a non-leader's 307
// redirect followed. HTTP and RecordIO are src/http's.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/client.hpp"
#include "http/recordio.hpp"
#include "options.hpp"
#include "scheduler.pb.h"
#include "zookeeper.hpp"

namespace dc::framework {

class Master {
 public:
  explicit Master(const Options& options);

  // Finds the leading master and sends it SUBSCRIBE, reading the response's
  // header. A master that cannot be reached, has no leader yet or is still
  // recovering (503) is tried again until `timeout`; `retrying` hears the
  // first such failure. Throws dc::Error with one line: the master's answer
  // when it refuses (401, 404 from a master older than the v1 API), the last
  // failure once the time is up.
  void subscribe(const mesos::scheduler::Call& call, std::chrono::milliseconds timeout,
                 const std::function<void(const std::string&)>& retrying);

  // "host:port" of the master subscribed to (or last tried).
  std::string address() const { return url_.authority(); }

  // The next event; nullopt once the master closed the stream (or after
  // cancel()). Throws dc::Error on a broken stream or when no event (not
  // even a heartbeat) came for five heartbeat intervals. One reader thread.
  std::optional<mesos::scheduler::Event> next_event();

  // POSTs the call; throws dc::Error unless the master answers 202.
  void send(const mesos::scheduler::Call& call);

  // Thread-safe: ends the stream; next_event() returns nullopt.
  void cancel();

 private:
  http::Request request(const mesos::scheduler::Call& call) const;
  // The masters to try now: the leader in ZooKeeper, else those named.
  std::vector<std::string> candidates(std::chrono::steady_clock::time_point deadline) const;
  // SUBSCRIBE to the master at `authority`, following redirects.
  void attempt(const std::string& authority, const mesos::scheduler::Call& call);

  std::optional<zk::Url> zookeeper_;
  std::vector<std::string> masters_;  // HOST:PORT, without ZooKeeper
  http::Url url_;
  http::Headers auth_;
  std::string stream_id_;
  std::unique_ptr<http::Stream> stream_;
  recordio::Decoder records_;
  std::chrono::milliseconds idle_{0};  // 0 until SUBSCRIBED names the heartbeat interval
};

}  // namespace dc::framework
