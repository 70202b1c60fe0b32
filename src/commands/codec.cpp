// encode / decode: the debugging commands that let a person pipe protobufs
// through the program by hand (text format <-> framed binary).
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "commands/commands.hpp"
#include "framing.hpp"
#include "messages.hpp"

namespace dc::commands {

int encode(const Settings&, const std::string& name) {
  auto message = messages::create(name);
  // Text comes from a person or a script that closes its end: read it all.
  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  messages::parse_text(text, *message);
  framing::write_frame(STDOUT_FILENO, message->SerializeAsString());
  return 0;
}

int decode(const Settings& settings, const std::string& name) {
  auto message = messages::create(name);
  messages::parse(framing::read_frame(STDIN_FILENO, settings.frame_limit), *message);
  std::cout << messages::to_text(*message) << std::flush;
  return 0;
}

}  // namespace dc::commands
