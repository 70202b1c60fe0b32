#pragma once
// The protocol's messages: parsing what the agent sends, and the names the
// encode/decode debugging commands accept. Built against the lite generated
// code for docker-containerizer and the full one for the codec and the unit
// tests (CMakeLists.txt), so only MessageLite is used here.
#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "containerizer.pb.h"
#include "mesos.pb.h"

namespace dc::messages {

// The empty message of each name encode/decode accept, e.g. "Launch".
const std::map<std::string, const google::protobuf::MessageLite*>& prototypes();

// Those names, sorted.
std::vector<std::string> names();

// Parses `payload` into `message`; throws dc::Error when the bytes do not
// parse or required fields are missing, naming the message.
void parse(const std::string& payload, google::protobuf::MessageLite& message);

// Reads one frame from stdin and parses it as T.
template <typename T>
T read_stdin(uint64_t limit);

}  // namespace dc::messages
