#include "messages.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <unistd.h>

#include <map>

#include "error.hpp"
#include "framing.hpp"

namespace dc::messages {
namespace {

using google::protobuf::Message;
namespace containerizer = mesos::containerizer;

const std::map<std::string, const Message*>& registry() {
  static const std::map<std::string, const Message*> all = {
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

// Collects text-format parse errors so they become one line, not protobuf's log.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first.empty())
      first = "line " + std::to_string(line + 1) + " column " + std::to_string(column + 1) +
              ": " + message;
  }
  std::string first;
};

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> result;
  for (const auto& [name, prototype] : registry()) result.push_back(name);
  return result;
}

std::unique_ptr<Message> create(const std::string& name) {
  auto found = registry().find(name);
  if (found == registry().end()) {
    std::string valid;
    for (const auto& each : names()) valid += (valid.empty() ? "" : ", ") + each;
    throw Error("unknown message '" + name + "'; valid messages: " + valid);
  }
  return std::unique_ptr<Message>(found->second->New());
}

void parse(const std::string& payload, Message& message) {
  // The name only on failure: it needs the descriptor pool, whose lazy
  // construction would otherwise cost every call a good part of its time.
  if (!message.ParsePartialFromString(payload))
    throw Error("cannot parse the " + std::to_string(payload.size()) + "-byte frame as " +
                message.GetDescriptor()->name());
  if (!message.IsInitialized())
    throw Error(message.GetDescriptor()->name() + " lacks required fields: " +
                message.InitializationErrorString());
}

void parse_text(const std::string& text, Message& message) {
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  parser.AllowPartialMessage(true);
  const std::string name = message.GetDescriptor()->name();
  if (!parser.ParseFromString(text, &message))
    throw Error("cannot parse text as " + name + ": " + errors.first);
  if (!message.IsInitialized())
    throw Error(name + " lacks required fields: " + message.InitializationErrorString());
}

std::string to_text(const Message& message) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(message, &text);
  return text;
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
