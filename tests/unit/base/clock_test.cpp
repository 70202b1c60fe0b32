// dc::clock: a framework's seconds as a deadline, and what is left of one
// for poll().
#include "base/clock.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>

using dc::clock::deadline_after;
using dc::clock::poll_ms;
using Clock = std::chrono::steady_clock;

TEST_CASE("deadline_after: NaN and negative as now, huge bounded") {
  const auto before = Clock::now();
  CHECK(deadline_after(std::nan("")) - before < std::chrono::seconds(1));
  CHECK(deadline_after(-5) - before < std::chrono::seconds(1));
  CHECK(deadline_after(-5) >= before);
  const auto in_ten = deadline_after(10) - before;
  CHECK(in_ten >= std::chrono::seconds(10));
  CHECK(in_ten < std::chrono::seconds(11));
  const auto far = deadline_after(1e300) - before;
  CHECK(far >= std::chrono::hours(24 * 365 * 3));
  CHECK(far < std::chrono::hours(24 * 365 * 4));
}

TEST_CASE("poll_ms: 0 once past, the milliseconds left, never more than an int holds") {
  CHECK(poll_ms(Clock::now() - std::chrono::hours(1)) == 0);
  CHECK(poll_ms(Clock::now()) == 0);
  const int left = poll_ms(Clock::now() + std::chrono::seconds(10));
  CHECK(left > 9000);
  CHECK(left <= 10000);
  CHECK(poll_ms(deadline_after(1e300)) == 1 << 30);
}
