#pragma once
// The protocol's messages by name, for the encode/decode debugging commands
// and for parsing what the agent sends.
#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <vector>

#include "containerizer.pb.h"
#include "mesos.pb.h"

namespace dc::messages {

// Names accepted by encode/decode, e.g. "Launch", "Termination".
std::vector<std::string> names();

// A new empty message of that name; throws dc::Error listing valid names.
std::unique_ptr<google::protobuf::Message> create(const std::string& name);

// Parses `payload` into `message`; throws dc::Error when the bytes do not
// parse or required fields are missing, naming the message.
void parse(const std::string& payload, google::protobuf::Message& message);

// Protobuf text format <-> message, with errors as dc::Error.
void parse_text(const std::string& text, google::protobuf::Message& message);
std::string to_text(const google::protobuf::Message& message);

// Reads one frame from stdin and parses it as T.
template <typename T>
T read_stdin(uint64_t limit);

}  // namespace dc::messages
