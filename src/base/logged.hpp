#pragma once
// How the programs' mains end a command: one error line in the log.
#include <spdlog/spdlog.h>

#include <exception>

namespace dc::log {

// Runs a command's body: a failure is one error line in the log and exit
// status 1, as every command of the program reports one.
template <class Body>
int logged(Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace dc::log
