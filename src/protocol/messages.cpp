#include "protocol/messages.hpp"

#include <unistd.h>

#include "base/error.hpp"
#include "protocol/framing.hpp"

namespace dc::messages {
namespace {

using google::protobuf::MessageLite;
namespace containerizer = mesos::containerizer;

// "Launch" for "mesos.containerizer.Launch": the name a person types.
std::string name_of(const MessageLite& message) {
  const std::string full = message.GetTypeName();
  return full.substr(full.rfind('.') + 1);
}

}  // namespace

const std::map<std::string, const MessageLite*>& prototypes() {
  static const std::map<std::string, const MessageLite*> all = {
      {"Launch", &containerizer::Launch::default_instance()},
      {"Update", &containerizer::Update::default_instance()},
      {"Wait", &containerizer::Wait::default_instance()},
      {"Destroy", &containerizer::Destroy::default_instance()},
      {"Usage", &containerizer::Usage::default_instance()},
      {"Containers", &containerizer::Containers::default_instance()},
      {"Termination", &containerizer::Termination::default_instance()},
      {"ResourceStatistics", &mesos::ResourceStatistics::default_instance()},
  };
  return all;
}

std::vector<std::string> names() {
  std::vector<std::string> result;
  for (const auto& [name, prototype] : prototypes()) result.push_back(name);
  return result;
}

void parse(const std::string& payload, MessageLite& message) {
  // The name only on failure: with the full runtime it needs the descriptor
  // pool, whose lazy construction would otherwise cost every call.
  if (!message.ParsePartialFromString(payload))
    throw Error("cannot parse the " + std::to_string(payload.size()) + "-byte frame as " +
                name_of(message));
  // The lite runtime cannot name the missing fields; `decode` can.
  if (!message.IsInitialized())
    throw Error(name_of(message) + " lacks required fields: " + message.InitializationErrorString());
}

template <typename T>
T read_stdin(uint64_t limit) {
  T message;
  parse(framing::read_frame(STDIN_FILENO, limit), message);
  return message;
}

template containerizer::Launch read_stdin(uint64_t);
template containerizer::Update read_stdin(uint64_t);
template containerizer::Wait read_stdin(uint64_t);
template containerizer::Destroy read_stdin(uint64_t);
template containerizer::Usage read_stdin(uint64_t);

}  // namespace dc::messages
