// Fixed-size std::thread pool: workers sleep on a condition variable between
// jobs; a job is a task counter that the workers and the calling thread drain
// together. The caller waits until every worker has checked out of the job, so
// no worker can touch a job object after parallel_for returns.
#include "cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lcl::cpu {
namespace {

int hardware_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : int(std::min(n, 1024u));
}

class Pool {
public:
    ~Pool() { stop_workers(); }

    int threads() {
        std::lock_guard<std::mutex> call(call_mutex_);
        return wanted_;
    }

    void set_threads(int n) {
        std::lock_guard<std::mutex> call(call_mutex_);
        wanted_ = n > 0 ? std::min(n, 1024) : hardware_threads();
        // Workers are rebuilt lazily by the next job with more than one task.
    }

    void run(int64_t n_tasks, const std::function<void(int64_t)>& body) {
        if (n_tasks <= 0) return;
        std::lock_guard<std::mutex> call(call_mutex_);
        if (wanted_ == 1 || n_tasks == 1) {
            for (int64_t t = 0; t < n_tasks; ++t) body(t);
            return;
        }
        if (int(workers_.size()) != wanted_ - 1) {
            stop_workers();
            start_workers(wanted_ - 1);
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            body_ = &body;
            n_tasks_ = n_tasks;
            next_.store(0, std::memory_order_relaxed);
            error_ = nullptr;
            checked_out_ = 0;
            ++generation_;
        }
        wake_.notify_all();
        drain();
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [&] { return checked_out_ == int(workers_.size()); });
        body_ = nullptr;
        if (error_) std::rethrow_exception(error_);
    }

private:
    void drain() {
        for (;;) {
            const int64_t t = next_.fetch_add(1, std::memory_order_relaxed);
            if (t >= n_tasks_) return;
            try {
                (*body_)(t);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex_);
                if (!error_) error_ = std::current_exception();
                next_.store(n_tasks_, std::memory_order_relaxed);  // stop handing out work
            }
        }
    }

    void worker_loop(uint64_t seen) {  // seen: the generation current at start
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
                if (stopping_) return;
                seen = generation_;
            }
            drain();
            {
                std::lock_guard<std::mutex> lock(mutex_);
                ++checked_out_;
            }
            done_.notify_one();
        }
    }

    void start_workers(int n) {
        stopping_ = false;
        const uint64_t now = generation_;
        for (int i = 0; i < n; ++i) workers_.emplace_back([this, now] { worker_loop(now); });
    }

    void stop_workers() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : workers_) t.join();
        workers_.clear();
    }

    std::mutex call_mutex_;  // one job at a time
    std::mutex mutex_;       // guards the job fields below
    std::condition_variable wake_, done_;
    std::vector<std::thread> workers_;
    int wanted_ = hardware_threads();
    bool stopping_ = false;
    uint64_t generation_ = 0;
    const std::function<void(int64_t)>* body_ = nullptr;
    int64_t n_tasks_ = 0;
    std::atomic<int64_t> next_{0};
    std::exception_ptr error_;
    int checked_out_ = 0;
};

Pool& pool() {
    static Pool instance;
    return instance;
}

}  // namespace

void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& body) {
    pool().run(n_tasks, body);
}

int pool_threads() { return pool().threads(); }

void set_pool_threads(int n) { pool().set_threads(n); }

}  // namespace lcl::cpu
