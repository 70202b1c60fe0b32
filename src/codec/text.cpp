#include "codec/text.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <type_traits>

#include "base/error.hpp"

namespace dc::messages {
namespace {

using google::protobuf::Message;
static_assert(std::is_base_of_v<Message, mesos::containerizer::Launch>,
              "codec/text.cpp needs the full generated code, not the lite one");

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

std::unique_ptr<Message> create(const std::string& name) {
  auto found = prototypes().find(name);
  if (found == prototypes().end()) {
    std::string valid;
    for (const auto& each : names()) valid += (valid.empty() ? "" : ", ") + each;
    throw Error("unknown message '" + name + "'; valid messages: " + valid);
  }
  // Every message is a Message in the full generated code (asserted above).
  return std::unique_ptr<Message>(static_cast<Message*>(found->second->New()));
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

}  // namespace dc::messages
