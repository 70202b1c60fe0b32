#pragma once
// Messages by name and in protobuf text format, for the encode/decode
// debugging commands. Needs protobuf's full runtime (reflection), so only
// docker-containerizer-codec and the unit tests link it.
#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "protocol/messages.hpp"

namespace dc::messages {

// A new empty message of that name; throws dc::Error listing valid names.
std::unique_ptr<google::protobuf::Message> create(const std::string& name);

// Protobuf text format <-> message, with errors as dc::Error.
void parse_text(const std::string& text, google::protobuf::Message& message);
std::string to_text(const google::protobuf::Message& message);

}  // namespace dc::messages
