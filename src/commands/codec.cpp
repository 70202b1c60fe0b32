// encode / decode: the debugging commands that let a person pipe protobufs
// through the program by hand. They need protobuf's full runtime, which this
// program leaves out for start-up time (CMakeLists.txt), so they run in
// docker-containerizer-codec, built beside it, on the same stdin and stdout.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.hpp"
#include "commands/commands.hpp"

namespace dc::commands {

int codec(const Settings& settings, const std::string& command, const std::string& message) {
  const std::string program = directory_of_self() + "/docker-containerizer-codec";
  const std::string frame_limit = std::to_string(settings.frame_limit);
  const char* argv[] = {program.c_str(), command.c_str(), message.c_str(), frame_limit.c_str(),
                        settings.log_level.c_str(), nullptr};
  ::execv(program.c_str(), const_cast<char* const*>(argv));
  throw Error("cannot run " + program + ": " + std::strerror(errno));
}

}  // namespace dc::commands
