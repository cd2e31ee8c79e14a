// What the sampler's C files share and nothing outside this target sees: the stack walkers,
// the /proc readers of one thread, and the signal handler's hand-off to the sampler's ring.
#ifndef HOTPATH_SAMPLER_INTERNAL_H
#define HOTPATH_SAMPLER_INTERNAL_H

#if defined(__linux__) && defined(__x86_64__)

#include <stdint.h>
#include <sys/types.h>
#include <ucontext.h>

// stack_walk.c: reading this process's memory and stacks without faulting.
void walk_prepare(void);                    // once, before the first walk (the handler's install)
extern pid_t walk_process_id;
int read_safely(uintptr_t address, void *destination, size_t length);
// The frames at a signal: pc, the caller when the signal came in a prologue or at a `ret`,
// then the frame-pointer chain (switching to the async chain at the job's entry).
int capture_from_context(const ucontext_t *context, uintptr_t *out, int max, uint8_t *async_from);
// The frames of a thread blocked in the kernel, read from its /proc files and its stack.
int capture_blocked(int32_t tid, uintptr_t *out, int max);
// The user stack pointer and program counter of a thread blocked in the kernel.
int blocked_registers(int32_t tid, uintptr_t *sp, uintptr_t *pc);
uint64_t monotonic_now(void);

// proc_files.c: one thread's /proc/self/task/<tid> files.
char state_from_fd(int fd);                 // pread of an open `stat`
char thread_state(int32_t tid);             // open, read, close
ssize_t read_task_file(int32_t tid, const char *name, char *buffer, size_t size);

// signal_handler.c: the one SIGPROF handler, for the sampler and for one-off captures.
void install_handler(void);

// sampler.c: a signal that was not a one-off capture, handed to the sampler.
void sampler_on_signal(int32_t tid, const ucontext_t *context);

#endif
#endif
