#ifndef HOTPATH_SAMPLER_H
#define HOTPATH_SAMPLER_H

#include <stdint.h>

#define HOTPATH_SAMPLE_MAX_FRAMES 128

/// One sample, as the signal handler (on-CPU) or the off-CPU reader wrote it.
typedef struct {
    uint64_t timestamp_ns;   // CLOCK_MONOTONIC
    uint64_t weight_ns;      // CPU interval (on-CPU) or wall interval (off-CPU)
    int32_t tid;
    uint16_t depth;          // frames written
    uint8_t on_cpu;          // 1: the thread was running; 0: blocked or waiting
    uint8_t async_from;      // frames from this index on are async resume points
    uintptr_t frames[HOTPATH_SAMPLE_MAX_FRAMES];  // leaf first; frames[0] is the program counter
} hotpath_sample;

typedef struct {
    uint64_t interval_ns;          // pace of on-CPU samples (each weighted by the CPU time used)
    uint64_t offcpu_interval_ns;   // off-CPU sampling period (wall time); 0 = off
    int32_t only_tid;              // sample this thread only; 0 = every thread of the process
    uint32_t capacity;             // ring slots (power of two not required)
} hotpath_sampler_options;

/// Starts sampling: installs the SIGPROF handler and starts a pacing thread that, every
/// interval, signals each thread that used CPU since its previous sample and is running (its
/// handler walks its own stack), and reads blocked threads' stacks from /proc without a signal
/// (a signal would cut a sleep short). Returns 0, or an errno.
/// Only one sampler runs at a time: EBUSY otherwise.
int hotpath_sampler_start(const hotpath_sampler_options *options);

/// Stops sampling: timers deleted, helper thread joined; samples not yet drained stay readable.
void hotpath_sampler_stop(void);

/// Copies up to `max` finished samples into `out`, oldest first; returns how many.
int hotpath_sampler_drain(hotpath_sample *out, int max);

/// Samples lost because the ring was full, and stack walks cut short.
uint64_t hotpath_sampler_dropped(void);

#endif
