#include "executor/agent.hpp"

namespace dc::executor {
namespace {

using mesos::v1::executor::Call;
using namespace std::chrono_literals;

const std::string kProtobuf = "application/x-protobuf";
// An agent whose actors queue behind busy ones answers in seconds, not
// milliseconds; 5 s was seen to cut off UPDATEs that the agent then accepted.
constexpr auto kTimeout = 20s;

}  // namespace

Agent::Agent(const Config& config) : config_(config) {}

Call Agent::call(Call::Type type) const {
  Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(config_.framework_id);
  call.mutable_executor_id()->set_value(config_.executor_id);
  return call;
}

std::unique_ptr<http::Stream> Agent::subscribe(const Call::Subscribe& subscribe) const {
  Call message = call(Call::SUBSCRIBE);
  *message.mutable_subscribe() = subscribe;
  http::Request request{"POST", config_.agent.target, {{"Content-Type", kProtobuf}, {"Accept", kProtobuf}},
                        message.SerializeAsString()};
  auto stream = std::make_unique<http::Stream>(config_.agent, request, kTimeout);
  if (stream->status() != 200) {
    // The agent's reason is the body ("Framework cannot be found"): its start suffices.
    std::string body;
    for (auto bytes = stream->read(kTimeout); bytes && body.size() < 512; bytes = stream->read(kTimeout))
      body += *bytes;
    throw Refused(stream->status(), "SUBSCRIBE refused: " + std::to_string(stream->status()) + " " +
                                        stream->reason() + (body.empty() ? "" : ": " + body.substr(0, 512)));
  }
  return stream;
}

void Agent::update(const mesos::TaskStatus& status) const {
  Call message = call(Call::UPDATE);
  *message.mutable_update()->mutable_status() = status;
  auto response = http::send(config_.agent, {"POST", config_.agent.target, {{"Content-Type", kProtobuf}},
                                             message.SerializeAsString()}, kTimeout);
  if (response.status != 202)
    throw Refused(response.status, "UPDATE refused: " + std::to_string(response.status) + " " + response.reason +
                                       (response.body.empty() ? "" : ": " + response.body.substr(0, 512)));
}

void Agent::health() const {
  http::Url url = config_.agent;
  url.target = "/" + config_.agent_process + "/health";
  auto response = http::send(url, {"GET", url.target, {}, ""}, kTimeout);
  if (response.status != 200)
    throw Error("health: " + std::to_string(response.status) + " " + response.reason);
}

std::optional<mesos::v1::executor::Event> Events::next() {
  auto record = records_.next();
  if (!record) return std::nullopt;
  mesos::v1::executor::Event event;
  if (!event.ParseFromString(*record)) throw Error("a malformed event from the agent");
  return event;
}

}  // namespace dc::executor
