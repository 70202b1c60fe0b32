#pragma once
// One exception type for every refusal and failure: main() turns it into a
// single line on stderr and a non-zero exit, never a stack trace.
#include <stdexcept>
#include <string>

namespace dc {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace dc
