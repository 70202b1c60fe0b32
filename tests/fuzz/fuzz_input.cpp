// libFuzzer entry point (scripts/fuzz SECONDS): a Violation escapes as an
// uncaught exception, which libFuzzer reports as a crash with its input.
#include "one_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dc::fuzz::one_input(data, size);
  return 0;
}
