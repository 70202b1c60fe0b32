#pragma once
// One fuzz input through everything the program does with the agent's bytes
// before it runs anything: the frame, the message (as each protocol
// message), and a parsed Launch through plan_run in every task mode. Shared
// by the libFuzzer target (tests/fuzz/fuzz_input.cpp) and the unit test that
// replays tests/fuzz/regressions and the seeds.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace dc::fuzz {

// A plan that breaks what docker relies on: the finding to report.
struct Violation : std::logic_error {
  using std::logic_error::logic_error;
};

// Throws Violation for a finding; every refusal (dc::Error) is expected.
void one_input(const uint8_t* data, size_t size);

}  // namespace dc::fuzz
