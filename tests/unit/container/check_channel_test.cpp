// The check channel's messages (src/protocol/check_channel.h), as the host
// encodes a request (enter::request) and the container's init decodes it,
// and the reply both ways: every malformed or oversized message is refused,
// never read past its end.
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>

#include "base/error.hpp"
#include "container/enter.hpp"
#include "protocol/check_channel.h"

using Catch::Matchers::Contains;
using namespace std::string_literals;

namespace {

dc::enter::Command sample() {
  return {"/bin/sh", {"sh", "-c", "[ -f ready ]"}, {{"GREETING", "a=b c"}, {"EMPTY", ""}}};
}

// Decodes a copy of `message` (the decoder splits it in place).
int decode(std::string message, check_request& request, std::string& storage) {
  storage = std::move(message);
  return check_request_decode(storage.data(), storage.size(), &request);
}

std::string header(uint32_t argc, uint32_t envc) {
  std::string text = "DCC1" + std::string(8, '\0');
  std::memcpy(text.data() + 4, &argc, 4);
  std::memcpy(text.data() + 8, &envc, 4);
  return text;
}

}  // namespace

TEST_CASE("check channel: a request goes through whole") {
  check_request request{};
  std::string storage;
  REQUIRE(decode(dc::enter::request(sample()), request, storage) == 0);
  CHECK(std::string(request.file) == "/bin/sh");
  CHECK(std::string(request.argv[0]) == "sh");
  CHECK(std::string(request.argv[2]) == "[ -f ready ]");
  CHECK(request.argv[3] == nullptr);
  CHECK(std::string(request.env[0]) == "EMPTY=");
  CHECK(std::string(request.env[1]) == "GREETING=a=b c");
  CHECK(request.env[2] == nullptr);
}

TEST_CASE("check channel: the host refuses what the channel cannot carry, with one line") {
  auto command = sample();
  command.argv[2] = "a\0b"s;
  CHECK_THROWS_WITH(dc::enter::request(command), Contains("NUL"));
  command = sample();
  command.environment["BAD=NAME"] = "x";
  CHECK_THROWS_WITH(dc::enter::request(command), Contains("not an environment variable's name"));
  command = sample();
  command.argv.assign(CHECK_MAX_WORDS + 1, "w");
  CHECK_THROWS_WITH(dc::enter::request(command), Contains("more than the check channel carries"));
  command = sample();
  command.argv[2] = std::string(CHECK_MAX_REQUEST, 'x');
  CHECK_THROWS_AS(dc::enter::request(command), dc::Error);
  command = sample();
  command.argv.clear();
  CHECK_THROWS_AS(dc::enter::request(command), dc::Error);
}

TEST_CASE("check channel: the init refuses every malformed request") {
  check_request request{};
  std::string storage;
  const std::string good = dc::enter::request(sample());
  // Every cut of a good request, and one byte more.
  for (size_t size = 0; size < good.size(); ++size) CHECK(decode(good.substr(0, size), request, storage) == -1);
  CHECK(decode(good + "x", request, storage) == -1);
  CHECK(decode(good + '\0', request, storage) == -1);
  CHECK(decode("DCX1" + good.substr(4), request, storage) == -1);
  CHECK(decode(header(0, 0) + "sh\0"s, request, storage) == -1);                           // no argv
  CHECK(decode(header(CHECK_MAX_WORDS + 1, 0) + "sh\0"s, request, storage) == -1);         // too many words
  CHECK(decode(header(1, CHECK_MAX_WORDS + 1) + "sh\0sh\0"s, request, storage) == -1);     // too many variables
  CHECK(decode(header(0xffffffff, 0xffffffff) + "sh\0"s, request, storage) == -1);         // no overflow
  CHECK(decode(header(1, 0) + "\0sh\0"s, request, storage) == -1);                          // no file
  CHECK(decode(header(1, 1) + "sh\0sh\0NOEQUALS\0"s, request, storage) == -1);              // not NAME=VALUE
  CHECK(decode(header(1, 1) + "sh\0sh\0=VALUE\0"s, request, storage) == -1);                // no NAME
  CHECK(decode(header(1, 0) + "sh\0sh"s, request, storage) == -1);                           // runs past the end
  CHECK(decode(header(1, 0) + "sh\0sh\0"s + std::string(CHECK_MAX_REQUEST, 'x'), request, storage) == -1);
  CHECK(decode(header(1, 0) + "sh\0sh\0"s, request, storage) == 0);
}

TEST_CASE("check channel: replies, and only replies, are read") {
  char message[CHECK_REPLY_SIZE];
  check_reply reply{};
  check_reply_encode(message, CHECK_ENDED, 7 << 8);
  REQUIRE(check_reply_decode(message, sizeof message, &reply) == 0);
  CHECK(reply.kind == CHECK_ENDED);
  CHECK(reply.value == 7 << 8);
  check_reply_encode(message, CHECK_NOT_EXECUTED, ENOENT);
  REQUIRE(check_reply_decode(message, sizeof message, &reply) == 0);
  CHECK(reply.value == ENOENT);
  CHECK(check_reply_decode(message, sizeof message - 1, &reply) == -1);
  CHECK(check_reply_decode(message, sizeof message + 1, &reply) == -1);
  check_reply_encode(message, 4, 0);
  CHECK(check_reply_decode(message, sizeof message, &reply) == -1);
  check_reply_encode(message, 0, 0);
  CHECK(check_reply_decode(message, sizeof message, &reply) == -1);
  check_reply_encode(message, CHECK_ENDED, 0);
  message[0] = 'X';
  CHECK(check_reply_decode(message, sizeof message, &reply) == -1);
}
