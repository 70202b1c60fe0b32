// docker-containerizer-codec: the encode/decode debugging commands, which
// let a person pipe protobufs through by hand (text format <-> framed
// binary). They need protobuf's full runtime, whose start-up every agent
// call would otherwise pay, so docker-containerizer execs this program from
// beside itself with the settings it parsed.
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <iostream>
#include <iterator>
#include <string>

#include "base/log.hpp"
#include "base/logged.hpp"
#include "codec/text.hpp"
#include "protocol/framing.hpp"

namespace {

namespace messages = dc::messages;

const char kUsage[] = "usage: docker-containerizer-codec encode|decode MESSAGE FRAME_LIMIT LOG_LEVEL\n";

int encode(const std::string& name) {
  auto message = messages::create(name);
  // Text comes from a person or a script that closes its end: read it all.
  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  messages::parse_text(text, *message);
  dc::framing::write_frame(STDOUT_FILENO, message->SerializeAsString());
  return 0;
}

int decode(const std::string& name, uint64_t frame_limit) {
  auto message = messages::create(name);
  messages::parse(dc::framing::read_frame(STDIN_FILENO, frame_limit), *message);
  std::cout << messages::to_text(*message) << std::flush;
  return 0;
}

// Logs as docker-containerizer would: the person ran `docker-containerizer
// encode ...` and expects its messages.
int run(const std::string& command, const std::string& name, const std::string& frame_limit,
        const std::string& log_level) {
  dc::log::init(command, log_level);
  return dc::log::logged([&] { return command == "encode" ? encode(name) : decode(name, std::stoull(frame_limit)); });
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that goes away must surface as EPIPE from write(), not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  const std::string command = argc == 5 ? argv[1] : "";
  if (command != "encode" && command != "decode") {
    std::cerr << kUsage;
    return 2;
  }
  try {
    return run(command, argv[2], argv[3], argv[4]);
  } catch (const std::exception& e) {
    std::cerr << "docker-containerizer-codec: error: " << e.what() << std::endl;
  }
  return 1;
}
