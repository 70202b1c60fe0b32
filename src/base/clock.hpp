#pragma once
// The program's clocks, as seconds in a double.
#include <chrono>

namespace dc::clock {

// Wall-clock time: for moments kept on disk and compared by other
// processes (a Termination's ended_at).
inline double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// For durations within one process: never jumps with the wall clock.
inline double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace dc::clock
