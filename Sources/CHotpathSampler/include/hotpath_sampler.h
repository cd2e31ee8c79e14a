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

/// Frees the ring after a stop (the next start allocates again).
void hotpath_sampler_release(void);

/// Captures the stack of thread `tid` of this process now: a running thread is signalled (its
/// handler writes the frames), a blocked one is read from /proc without disturbing it.
/// Returns the number of frames written to `out` (0 when it could not be read); `on_cpu` says
/// which. Safe to call while the sampler runs or not. Waits at most `timeout_ns` for a handler.
int hotpath_capture_thread(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns);

/// ``hotpath_capture_thread``, also telling which Swift task a running thread was executing
/// (`task`: the runtime's task pointer, 0 when unknown or blocked).
int hotpath_capture_thread_task(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns,
                                uintptr_t *task);

/// CPU time consumed by thread `tid` so far, in nanoseconds (0 when unknown).
uint64_t hotpath_thread_cpu_ns(int32_t tid);

/// Index in `values` of the first one found as a word on blocked thread `tid`'s stack (read up to
/// `max_bytes` from its stack pointer): which Swift task a blocked thread is running. -1 when
/// none is there, -2 when the stack could not be read.
int hotpath_blocked_stack_holds(int32_t tid, const uintptr_t *values, int count, int max_bytes);

/// The calling thread's id.
int32_t hotpath_current_tid(void);

/// The threads of this process: ids and names (`comm`, at most 15 characters); returns how many.
int hotpath_list_threads(int32_t *tids, char names[][16], int max);

/// What thread `tid` is doing now: its state letter (R, S, D, …) and, when blocked in the
/// kernel, the system call number (-1 when not in one) and the user stack pointer.
/// Returns 0 when the thread could not be read.
int hotpath_thread_status(int32_t tid, char *state, long *syscall_number, uintptr_t *stack_pointer);

/// Opens thread `tid`'s /proc files once, for ``hotpath_thread_status_fds`` (pread, no open per look).
int hotpath_open_thread_files(int32_t tid, int *stat_fd, int *syscall_fd);
void hotpath_close_thread_files(int stat_fd, int syscall_fd);
int hotpath_thread_status_fds(int stat_fd, int syscall_fd, char *state, long *syscall_number, uintptr_t *stack_pointer);


#endif
