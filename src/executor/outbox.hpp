#pragma once
// The task's status updates on their way to the agent, kept until the agent
// acknowledges each (its ACKNOWLEDGED event). An update goes out in the
// order it was made; one the agent did not accept (no 202: a refused
// connection, a socket closed under load, a timeout) goes again after a
// backoff, and the ones behind it wait, so that the agent never sees
// TASK_FINISHED before TASK_RUNNING. Accepted but never acknowledged (an
// agent that lost it), all go again after kResend. A SUBSCRIBE carries them
// all, and the agent handles them as received. Pure: the executor's courier
// thread picks what is due and reports how each attempt went.
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "mesos.pb.h"

namespace dc::executor {

class Outbox {
 public:
  using Clock = std::chrono::steady_clock;
  // Mesos's executor driver resends an unacknowledged update every 10 s.
  static constexpr std::chrono::seconds kResend{10};
  // Between failed attempts: doubling from the first, up to the last.
  static constexpr std::chrono::milliseconds kFirstBackoff{250};
  static constexpr std::chrono::milliseconds kMaxBackoff{4000};

  // A new update, due at once.
  void add(const mesos::TaskStatus& update);
  // The agent acknowledged `uuid`: forgotten. False for an unknown uuid.
  bool acknowledge(const std::string& uuid);
  // A SUBSCRIBE carried every update: each counts as accepted at `now`.
  void subscribed(Clock::time_point now);
  // How an attempt at `uuid` went; returns how many attempts it has had.
  int attempted(const std::string& uuid, bool accepted, Clock::time_point now);

  // Picks the update to send now, if one is due. Not a mere look: updates
  // accepted kResend ago and never acknowledged are made due again first.
  std::optional<mesos::TaskStatus> pick(Clock::time_point now);
  // When the next one falls due (always after the `now` of a pick() that
  // found nothing), or nullopt while there is nothing to send.
  std::optional<Clock::time_point> next() const;

  bool empty() const { return entries_.empty(); }
  // Every update not yet acknowledged, oldest first.
  std::vector<mesos::TaskStatus> updates() const;

 private:
  struct Entry {
    mesos::TaskStatus update;
    bool accepted = false;
    Clock::time_point due;        // when not accepted: the next attempt
    Clock::time_point accepted_at;
    int failures = 0;  // in a row
    int attempts = 0;
  };
  size_t first_unaccepted() const;  // entries_.size() when none
  std::deque<Entry> entries_;
};

}  // namespace dc::executor
