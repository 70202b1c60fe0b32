#include "executor/outbox.hpp"

#include <algorithm>

namespace dc::executor {

void Outbox::add(const mesos::TaskStatus& update) {
  entries_.push_back({update, false, Clock::time_point::min(), {}, 0, 0});
}

bool Outbox::acknowledge(const std::string& uuid) {
  auto found = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.update.uuid() == uuid; });
  if (found == entries_.end()) return false;
  entries_.erase(found);
  return true;
}

void Outbox::subscribed(Clock::time_point now) {
  for (auto& entry : entries_) {
    entry.accepted = true;
    entry.accepted_at = now;
    entry.failures = 0;
  }
}

int Outbox::attempted(const std::string& uuid, bool accepted, Clock::time_point now) {
  auto found = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.update.uuid() == uuid; });
  if (found == entries_.end()) return 0;  // acknowledged meanwhile
  ++found->attempts;
  if (accepted) {
    found->accepted = true;
    found->accepted_at = now;
    found->failures = 0;
  } else {
    found->due = now + std::min(kMaxBackoff, kFirstBackoff * (1 << std::min(found->failures, 5)));
    ++found->failures;
  }
  return found->attempts;
}

size_t Outbox::first_unaccepted() const {
  return std::find_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.accepted; }) - entries_.begin();
}

std::optional<mesos::TaskStatus> Outbox::pick(Clock::time_point now) {
  if (entries_.empty()) return std::nullopt;
  // Accepted long ago and still not acknowledged: the agent lost them.
  if (first_unaccepted() == entries_.size() && now >= entries_.front().accepted_at + kResend)
    for (auto& entry : entries_) {
      entry.accepted = false;
      entry.due = now;
    }
  const size_t first = first_unaccepted();
  if (first < entries_.size() && entries_[first].due <= now) return entries_[first].update;
  return std::nullopt;
}

std::optional<Outbox::Clock::time_point> Outbox::next() const {
  if (entries_.empty()) return std::nullopt;
  const size_t first = first_unaccepted();
  if (first < entries_.size()) return entries_[first].due;
  return entries_.front().accepted_at + kResend;
}

std::vector<mesos::TaskStatus> Outbox::updates() const {
  std::vector<mesos::TaskStatus> result;
  for (const auto& entry : entries_) result.push_back(entry.update);
  return result;
}

}  // namespace dc::executor
