// Every input the fuzzer ever found a fault with (tests/fuzz/regressions),
// and the seeds it starts from, replayed through the same function the
// libFuzzer target runs: each must be refused or planned cleanly.
#include <catch2/catch.hpp>
#include <filesystem>

#include "fuzz/one_input.hpp"
#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

void replay_all(const std::string& dir) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename().string()[0] == '.') continue;
    const std::string bytes = dc_test::slurp(entry.path().string());
    CAPTURE(entry.path().string());
    CHECK_NOTHROW(dc::fuzz::one_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++count;
  }
  CHECK(count > 0);
}

}  // namespace

TEST_CASE("the fuzzer's regression inputs are handled cleanly") { replay_all(DC_FUZZ_REGRESSIONS_DIR); }

TEST_CASE("the fuzzer's seeds (real agent frames) are handled cleanly") { replay_all(DC_FIXTURES_DIR); }
