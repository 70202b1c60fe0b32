#pragma once
// The program's clocks, as seconds in a double, and deadlines for poll().
#include <algorithm>
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

using Deadline = std::chrono::steady_clock::time_point;

// A framework's or an operator's seconds as a duration: NaN and below zero
// as 0, at most about three years (1e300 s would overflow any clock).
inline std::chrono::steady_clock::duration duration_of(double seconds) {
  const double bounded = seconds > 0 ? std::min(seconds, 1e8) : 0.0;
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(bounded));
}

inline Deadline deadline_after(double seconds) { return std::chrono::steady_clock::now() + duration_of(seconds); }

// The milliseconds left until `deadline` as poll() takes them: 0 once it
// has passed, and no more than an int holds.
inline int poll_ms(Deadline deadline) {
  using namespace std::chrono;
  return static_cast<int>(
      std::clamp<long long>(duration_cast<milliseconds>(deadline - steady_clock::now()).count(), 0, 1 << 30));
}

}  // namespace dc::clock
