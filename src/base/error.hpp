#pragma once
// One exception type for every refusal and failure: main() turns it into a
// single line on stderr and a non-zero exit, never a stack trace.
#include <stdexcept>
#include <string>

namespace dc {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs `body`, prefixing any failure with the container it concerns, so the
// one line on stderr says which container.
template <typename Body>
auto for_container(const std::string& id, Body&& body) {
  try {
    return body();
  } catch (const Error& e) {
    throw Error("container " + id + ": " + e.what());
  }
}

}  // namespace dc
