#include "master.hpp"

#include "error.hpp"

namespace dc::framework {

using mesos::scheduler::Call;
using mesos::scheduler::Event;

namespace {

const char* const kProtobuf = "application/x-protobuf";
constexpr std::chrono::seconds kCallTimeout{15};

// "401 Unauthorized: <body>", and where a non-leading master points to.
std::string answer(int status, const std::string& reason, const http::Headers& headers, const std::string& body) {
  std::string text = std::to_string(status) + " " + reason;
  if (auto location = http::header(headers, "Location")) text += " (the leading master is " + *location + ")";
  std::string first_line = body.substr(0, body.find('\n'));
  if (!first_line.empty()) text += ": " + first_line.substr(0, 300);
  return text;
}

}  // namespace

Master::Master(const Options& options) : url_(http::Url::parse(options.master + "/api/v1/scheduler")) {
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

void Master::subscribe(const Call& call) {
  stream_ = std::make_unique<http::Stream>(url_, request(call), kCallTimeout);
  if (stream_->status() != 200) {
    // An error answer is short: read it whole for the message.
    std::string body;
    while (auto bytes = stream_->read(kCallTimeout)) body += *bytes;
    throw Error("the master at " + url_.authority() + " refused SUBSCRIBE: " +
                answer(stream_->status(), stream_->reason(), stream_->headers(), body));
  }
  stream_id_ = http::header(stream_->headers(), "Mesos-Stream-Id").value_or("");
  if (stream_id_.empty()) throw Error("the master at " + url_.authority() + " sent no Mesos-Stream-Id");
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
