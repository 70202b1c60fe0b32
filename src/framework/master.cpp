#include "master.hpp"

#include <algorithm>
#include <thread>

#include "base/error.hpp"

namespace dc::framework {

using mesos::scheduler::Call;
using mesos::scheduler::Event;

namespace {

using Clock = std::chrono::steady_clock;

const char* const kProtobuf = "application/x-protobuf";
const char* const kPath = "/api/v1/scheduler";
constexpr std::chrono::seconds kCallTimeout{15};
constexpr std::chrono::seconds kRetryPause{1};
constexpr int kMaxRedirects = 3;

// 503 (no leader elected, recovering) or a redirect too many: ask again.
struct Unavailable : Error {
  using Error::Error;
};

// "401 Unauthorized: <body>", and where a non-leading master points to.
std::string answer(int status, const std::string& reason, const http::Headers& headers, const std::string& body) {
  std::string text = std::to_string(status) + " " + reason;
  if (auto location = http::header(headers, "Location")) text += " (the leading master is " + *location + ")";
  std::string first_line = body.substr(0, body.find('\n'));
  if (!first_line.empty()) text += ": " + first_line.substr(0, 300);
  return text;
}

}  // namespace

Master::Master(const Options& options) {
  if (options.master.rfind("zk://", 0) == 0 || options.master.rfind("file://", 0) == 0)
    zookeeper_ = zk::parse_url(options.master);
  else
    masters_ = split(options.master, ',');
  if (!options.principal.empty())
    auth_.emplace_back("Authorization", http::basic_authorization(options.principal, options.secret));
}

http::Request Master::request(const Call& call) const {
  http::Request r{"POST", url_.target, auth_, call.SerializeAsString()};
  r.headers.emplace_back("Content-Type", kProtobuf);
  r.headers.emplace_back("Accept", kProtobuf);
  if (!stream_id_.empty()) r.headers.emplace_back("Mesos-Stream-Id", stream_id_);
  return r;
}

std::vector<std::string> Master::candidates(Clock::time_point deadline) const {
  if (!zookeeper_) return masters_;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return {zk::leading_master(*zookeeper_, std::max(left, std::chrono::milliseconds(1)))};
}

void Master::attempt(const std::string& authority, const Call& call) {
  url_ = http::Url::parse(authority + kPath);
  for (int hops = 0;; ++hops) {
    stream_id_.clear();
    stream_ = std::make_unique<http::Stream>(url_, request(call), kCallTimeout);
    const int status = stream_->status();
    if (status == 200) break;
    const auto location = http::header(stream_->headers(), "Location");
    if (status == 307 && location && hops < kMaxRedirects) {
      // A master that does not lead names the leader, protocol-relative: a
      // 1.0.1 master sends "//localhost:5050/master/api/v1/scheduler".
      url_ = http::Url::parse(location->rfind("//", 0) == 0 ? location->substr(2) : *location);
      continue;
    }
    // An error answer is short: read it whole for the message.
    std::string body;
    while (auto bytes = stream_->read(kCallTimeout)) body += *bytes;
    const std::string where = "the master at " + url_.authority();
    if (status == 404)
      throw Error(where + " has no " + url_.target +
                  " (404 Not Found): its Mesos predates the v1 scheduler API (0.24)");
    if (status == 503 || status == 307)
      throw Unavailable(where + " cannot take SUBSCRIBE yet: " +
                        answer(status, stream_->reason(), stream_->headers(), body));
    throw Error(where + " refused SUBSCRIBE: " + answer(status, stream_->reason(), stream_->headers(), body));
  }
  stream_id_ = http::header(stream_->headers(), "Mesos-Stream-Id").value_or("");
  if (stream_id_.empty()) throw Error("the master at " + url_.authority() + " sent no Mesos-Stream-Id");
  records_ = recordio::Decoder();
  idle_ = std::chrono::milliseconds(0);
}

void Master::subscribe(const Call& call, std::chrono::milliseconds timeout,
                       const std::function<void(const std::string&)>& retrying) {
  const auto deadline = Clock::now() + timeout;
  for (bool told = false;; told = true) {
    std::string failure;
    for (const auto& authority : candidates(deadline)) {
      try {
        attempt(authority, call);
        return;
      } catch (const http::Error& e) {  // unreachable, timed out, cut off
        failure = e.what();
      } catch (const Unavailable& e) {
        failure = e.what();
      }
    }
    if (Clock::now() + kRetryPause >= deadline)
      throw Error(failure + " (tried for " + std::to_string(timeout.count() / 1000) + " s)");
    if (!told) retrying(failure);
    // A backoff between attempts: a master coming up or being elected
    // tells nobody, it has to be asked again.
    std::this_thread::sleep_for(kRetryPause);
  }
}

std::optional<Event> Master::next_event() {
  for (;;) {
    if (auto record = records_.next()) {
      Event event;
      if (!event.ParseFromString(*record)) throw Error("the master sent an event that does not parse");
      // The master promises a heartbeat every interval; five missed ones
      // mean it is gone even if the connection still looks open.
      if (event.type() == Event::SUBSCRIBED && event.subscribed().heartbeat_interval_seconds() > 0)
        idle_ = std::chrono::milliseconds(
            static_cast<long>(5000 * event.subscribed().heartbeat_interval_seconds()));
      return event;
    }
    auto bytes = stream_->read(idle_);
    if (!bytes) return std::nullopt;
    records_.feed(*bytes);
  }
}

void Master::send(const Call& call) {
  const http::Response r = http::send(url_, request(call), kCallTimeout);
  if (r.status != 202)
    throw Error("the master at " + url_.authority() + " refused " + Call::Type_Name(call.type()) + ": " +
                answer(r.status, r.reason, r.headers, r.body));
}

void Master::cancel() {
  if (stream_) stream_->cancel();
}

}  // namespace dc::framework
