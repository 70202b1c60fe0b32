#include "http/recordio.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/error.hpp"

using Catch::Matchers::Contains;
using dc::recordio::Decoder;
using dc::recordio::encode;

namespace {

std::vector<std::string> drain(Decoder& decoder) {
  std::vector<std::string> records;
  while (auto record = decoder.next()) records.push_back(*record);
  return records;
}

}  // namespace

TEST_CASE("recordio encodes the decimal length, a newline, the bytes") {
  CHECK(encode("hello") == "5\nhello");
  CHECK(encode("") == "0\n");
  CHECK(encode(std::string("a\0b", 3)) == std::string("3\na\0b", 5));
}

TEST_CASE("recordio decodes records split anywhere across feeds") {
  const std::string stream = encode("first") + encode("") + encode(std::string(300, 'x')) + encode("last\n");
  for (size_t piece : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    Decoder decoder;
    std::vector<std::string> records;
    for (size_t at = 0; at < stream.size(); at += piece) {
      decoder.feed(std::string_view(stream).substr(at, piece));
      for (auto& r : drain(decoder)) records.push_back(r);
    }
    REQUIRE(records.size() == 4);
    CHECK(records[0] == "first");
    CHECK(records[1].empty());
    CHECK(records[2] == std::string(300, 'x'));
    CHECK(records[3] == "last\n");
    CHECK(decoder.pending() == 0);
  }
}

TEST_CASE("recordio waits for a partial record") {
  Decoder decoder;
  decoder.feed("10\n01234");
  CHECK_FALSE(decoder.next());
  CHECK(decoder.pending() == 8);
  decoder.feed("56789");
  CHECK(decoder.next() == std::optional<std::string>("0123456789"));
  CHECK_FALSE(decoder.next());
}

TEST_CASE("recordio refuses a length that is not decimal") {
  Decoder decoder;
  decoder.feed("HTTP/1.1 200 OK\r\n");
  CHECK_THROWS_WITH(decoder.next(), Contains("not decimal digits"));
  Decoder negative;
  negative.feed("-1\n");
  CHECK_THROWS_AS(negative.next(), dc::Error);
  Decoder empty;
  empty.feed("\nabc");
  CHECK_THROWS_WITH(empty.next(), Contains("empty record length"));
}

TEST_CASE("recordio refuses a record above the limit, also before it arrives") {
  Decoder decoder(100);
  decoder.feed("101\n");
  CHECK_THROWS_WITH(decoder.next(), Contains("exceeds the limit of 100 bytes"));
  Decoder endless(100);
  endless.feed("99999");
  CHECK_THROWS_WITH(endless.next(), Contains("more than 3 digits"));
  Decoder exact(100);
  exact.feed(encode(std::string(100, 'y')));
  CHECK(exact.next()->size() == 100);
}
