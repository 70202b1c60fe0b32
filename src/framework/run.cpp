#include "run.hpp"

#include <pthread.h>

#include <chrono>
#include <csignal>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "master.hpp"
#include "sandbox.hpp"
#include "scheduler.hpp"

namespace dc::framework {
namespace {

using Clock = std::chrono::steady_clock;
using mesos::scheduler::Event;

// The sandbox has no change notification over HTTP: read it this often.
constexpr std::chrono::milliseconds kTailInterval{500};

// What the main loop reacts to, from the event reader and the signal thread.
struct Happening {
  enum Kind { event, interrupt, lost } kind;
  Event what;
  std::string why;
  int subscription = 0;  // which event stream it came from (lost: a stale one is ignored)
};

class Inbox {
 public:
  void push(Happening h) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(h));
    changed_.notify_one();
  }

  std::optional<Happening> pop(Clock::time_point until) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_until(lock, until, [this] { return !queue_.empty(); })) return std::nullopt;
    Happening h = std::move(queue_.front());
    queue_.pop_front();
    return h;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Happening> queue_;
};

void print(const std::string& line) { std::fprintf(stderr, "launch-container: %s\n", line.c_str()); }

// Ctrl-C and SIGTERM, taken by a thread of their own so that the main loop
// sees them as happenings (blocked in every other thread: call first). A
// shell starts background commands with SIGINT ignored; an ignored signal
// never reaches sigwait, and Ctrl-C must still kill the task.
void watch_signals(const std::shared_ptr<Inbox>& inbox) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::thread([inbox, signals] {
    for (int s; sigwait(&signals, &s) == 0;) inbox->push({Happening::interrupt, {}, "", 0});
  }).detach();
}

std::chrono::milliseconds seconds(double value) { return std::chrono::milliseconds(static_cast<long>(value * 1000)); }

// The master's event stream, read by a thread of its own into the inbox;
// after a failover the same Master subscribes again and a new reader starts.
class Connection {
 public:
  Connection(const Options& options, std::shared_ptr<Inbox> inbox)
      : options_(options), master_(options), inbox_(std::move(inbox)) {}
  ~Connection() { stop(); }

  int subscription() const { return subscription_; }

  // Subscribes (looking for the leader for up to `timeout`) and starts reading.
  void start(const mesos::scheduler::Call& subscribe, std::chrono::milliseconds timeout) {
    master_.subscribe(subscribe, timeout, [this, timeout](const std::string& failure) {
      print(failure + "; trying again for up to " + std::to_string(timeout.count() / 1000) + " s");
    });
    const int subscription = ++subscription_;
    reader_ = std::thread([this, subscription] {
      try {
        while (auto event = master_.next_event())
          inbox_->push({Happening::event, std::move(*event), "", subscription});
        inbox_->push({Happening::lost, {}, "it closed the event stream", subscription});
      } catch (const std::exception& e) {
        inbox_->push({Happening::lost, {}, e.what(), subscription});
      }
    });
  }

  void stop() {
    master_.cancel();
    if (reader_.joinable()) reader_.join();
  }

  // The scheduler's calls, and its lines printed. A master lost (the stream
  // ended, a call failed) is looked for again while the framework can
  // subscribe again, else it ends the run.
  void apply(const Step& step, Scheduler& scheduler) {
    for (const auto& line : step.lines) print(line);
    for (const auto& call : step.calls) {
      try {
        master_.send(call);
      } catch (const std::exception& e) {
        if (scheduler.finished()) {
          print(e.what());
          return;
        }
        lost(e.what(), scheduler);
        return;
      }
    }
  }

  void lost(const std::string& why, Scheduler& scheduler) {
    const std::string where = master_.address();
    if (!scheduler.can_resubscribe()) {
      apply(scheduler.on_master_lost(where, why), scheduler);
      return;
    }
    print("lost the master at " + where + ": " + why + "; looking for the leading master");
    stop();
    try {
      start(scheduler.subscribe(), seconds(options_.failover_timeout));
    } catch (const std::exception& e) {
      apply(scheduler.on_master_lost(where, why + "; no leading master since: " + e.what()), scheduler);
    }
  }

 private:
  const Options& options_;
  Master master_;
  std::shared_ptr<Inbox> inbox_;
  std::thread reader_;
  int subscription_ = 0;
};

class Tail {
 public:
  // Starts reading the task's sandbox on its agent.
  void start(const Scheduler& scheduler) {
    if (sandbox_ || broken_ || !scheduler.agent()) return;
    try {
      sandbox_.emplace(*scheduler.agent(), scheduler.framework_id(), scheduler.task_id());
    } catch (const std::exception& e) {
      print(std::string("cannot tail the task's sandbox: ") + e.what());
      broken_ = true;
    }
  }

  bool due(Clock::time_point now) const { return sandbox_ && !broken_ && now >= next_; }
  Clock::time_point next() const { return sandbox_ && !broken_ ? next_ : Clock::time_point::max(); }

  void poll(Clock::time_point now) {
    next_ = now + kTailInterval;
    try {
      sandbox_->poll(stdout, stderr);
    } catch (const std::exception& e) {
      print(std::string("cannot tail the task's sandbox: ") + e.what());
      broken_ = true;
    }
  }

  // After the task's end: what is left, then where the sandbox is.
  void finish() {
    if (!sandbox_ || broken_) return;
    try {
      while (sandbox_->poll(stdout, stderr)) {
      }
    } catch (const std::exception& e) {
      print(std::string("cannot read the task's sandbox: ") + e.what());
    }
    if (!sandbox_->directory().empty()) print("sandbox: " + sandbox_->hostname() + ":" + sandbox_->directory());
  }

 private:
  std::optional<Sandbox> sandbox_;
  bool broken_ = false;
  Clock::time_point next_ = Clock::time_point::min();
};

}  // namespace

int run(const Options& options) {
  for (const auto& warning : options.warnings) print("warning: " + warning);
  auto inbox = std::make_shared<Inbox>();
  watch_signals(inbox);
  Scheduler scheduler(options);
  Connection connection(options, inbox);
  connection.start(scheduler.subscribe(), seconds(options.timeout));

  const auto offer_deadline = Clock::now() + seconds(options.timeout);
  Tail tail;
  while (!scheduler.finished()) {
    const auto until = std::min(scheduler.agent() ? Clock::time_point::max() : offer_deadline, tail.next());
    const auto happening = inbox->pop(until);
    Step step;
    if (!happening) {
      if (!scheduler.agent() && Clock::now() >= offer_deadline) step = scheduler.on_offer_timeout();
    } else if (happening->kind == Happening::event) {
      step = scheduler.on_event(happening->what);
    } else if (happening->kind == Happening::interrupt) {
      step = scheduler.on_interrupt();
    } else if (happening->subscription == connection.subscription()) {
      connection.lost(happening->why, scheduler);
    }
    connection.apply(step, scheduler);
    if (step.tail || scheduler.task_ended()) tail.start(scheduler);
    if (!scheduler.finished() && tail.due(Clock::now())) tail.poll(Clock::now());
  }
  if (scheduler.task_ended()) tail.finish();
  connection.stop();
  return scheduler.exit_code();
}

}  // namespace dc::framework
