#ifndef HOTPATH_THREADS_H
#define HOTPATH_THREADS_H

#include <stdint.h>

// The watchdog's look at this process's threads: one-off stack captures, CPU clocks, and their
// /proc state, read without disturbing them.

/// Captures the stack of thread `tid` of this process now: a running thread is signalled (its
/// handler writes the frames and which Swift task it was executing: `task`, the runtime's task
/// pointer, 0 when unknown, blocked or `task` is NULL), a blocked one is read from /proc without
/// disturbing it. Returns the number of frames written to `out` (0 when it could not be read);
/// `on_cpu` says which. Safe to call while the sampler runs or not. Waits at most `timeout_ns`
/// for a handler.
int hotpath_capture_thread_task(int32_t tid, uintptr_t *out, int max, int *on_cpu, int *async_from, uint64_t timeout_ns,
                                uintptr_t *task);

/// CPU time consumed by thread `tid` so far, in nanoseconds (0 when unknown).
uint64_t hotpath_thread_cpu_ns(int32_t tid);

/// Index in `values` of the first one found as a word on blocked thread `tid`'s stack (read up to
/// `max_bytes` from its stack pointer): which Swift task a blocked thread is running. -1 when
/// none is there, -2 when the stack could not be read.
int hotpath_blocked_stack_holds(int32_t tid, const uintptr_t *values, int count, int max_bytes);

/// The threads of this process: ids and names (`comm`, at most 15 characters); returns how many.
int hotpath_list_threads(int32_t *tids, char names[][16], int max);

/// Opens thread `tid`'s /proc files once, for ``hotpath_thread_status_fds`` (pread, no open per look).
int hotpath_open_thread_files(int32_t tid, int *stat_fd, int *syscall_fd);
void hotpath_close_thread_files(int stat_fd, int syscall_fd);
/// What the thread whose files these are is doing now: its state letter (R, S, D, …) and, when
/// blocked in the kernel, the system call number (-1 when not in one) and the user stack pointer.
/// Returns 0 when the thread could not be read.
int hotpath_thread_status_fds(int stat_fd, int syscall_fd, char *state, long *syscall_number, uintptr_t *stack_pointer);

#endif
